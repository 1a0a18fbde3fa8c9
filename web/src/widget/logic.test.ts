import { describe, expect, it } from 'vitest'
import { csatView, errorCode, fileSize, offersTopics, pickLang, readSaved, STRINGS, usable, widgetUrl } from './logic'

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

  it('asks for a rating only on a resolved conversation that asked, and thanks once rated', () => {
    const asked = { requested: true, csat: { rating: null } }
    expect(csatView('resolved', asked)).toEqual({ kind: 'ask' })
    expect(csatView('open', asked)).toEqual({ kind: 'none' })
    expect(csatView('resolved', { requested: false, csat: null })).toEqual({ kind: 'none' })
    expect(csatView('resolved', null)).toEqual({ kind: 'none' })
    expect(csatView('resolved', { requested: true, csat: { rating: 4 } })).toEqual({ kind: 'thanks', rating: 4 })
    expect(STRINGS.en.ratings).toHaveLength(5)
    expect(STRINGS.ru.ratings).toHaveLength(5)
  })

  it('offers topics to a new visitor only when there is a choice', () => {
    expect(offersTopics([], false)).toBe(false)
    expect(offersTopics([{}], false)).toBe(false)
    expect(offersTopics([{}, {}], false)).toBe(true)
    expect(offersTopics([{}, {}], true)).toBe(false)
  })

  it('names the inbox in every widget URL', () => {
    expect(widgetUrl('https://v.example', '/conversations', 'abc')).toBe('https://v.example/api/v1/support/widget/conversations?inbox=abc')
    expect(widgetUrl('https://v.example', '/c/1/files?name=a.txt', 'a b')).toBe('https://v.example/api/v1/support/widget/c/1/files?name=a.txt&inbox=a%20b')
  })

  it('reads the code of an error answer', () => {
    expect(errorCode({ error: { code: 'csat_already_rated', message: '…' } })).toBe('csat_already_rated')
    expect(errorCode({})).toBe('error')
    expect(errorCode(null)).toBe('error')
    expect(errorCode({ error: 'x' })).toBe('error')
  })
})
