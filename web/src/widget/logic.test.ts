import { describe, expect, it } from 'vitest'
import { fileSize, pickLang, readSaved, STRINGS, usable } from './logic'

describe('widget', () => {
  it('speaks the tag’s language, else the browser’s, else Russian', () => {
    expect(pickLang('en', 'ru-RU')).toBe('en')
    expect(pickLang(null, 'en-GB')).toBe('en')
    expect(pickLang('de', 'fr')).toBe('ru')
    expect(pickLang(undefined, undefined)).toBe('ru')
  })

  it('has every string in both languages', () => {
    expect(Object.keys(STRINGS.ru).sort()).toEqual(Object.keys(STRINGS.en).sort())
  })

  it('keeps a visitor token only for the identity it was issued to', () => {
    expect(readSaved('{"token":"vis_abc","identifier":null}')).toEqual({ token: 'vis_abc', identifier: null })
    expect(readSaved('{"token":"sess_abc"}')).toBeNull()
    expect(readSaved('not json')).toBeNull()
    const saved = { token: 'vis_abc', identifier: 'u1' }
    expect(usable(saved, 'u1')).toBe(saved)
    expect(usable(saved, 'u2')).toBeNull()
    expect(usable(saved, null)).toBeNull()
  })

  it('shows file sizes', () => {
    expect(fileSize(12)).toBe('12 B')
    expect(fileSize(2048)).toBe('2 KB')
    expect(fileSize(5 * 1024 * 1024)).toBe('5.0 MB')
  })
})
