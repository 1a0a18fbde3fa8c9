import { describe, expect, it } from 'vitest'
import { detectLocale } from './prefs'

describe('locale detection', () => {
  it('defaults to Russian for a Russian browser and English otherwise', () => {
    localStorage.removeItem('veche.locale')
    expect(detectLocale(['ru-RU', 'en'])).toBe('ru')
    expect(detectLocale(['en-US'])).toBe('en')
    expect(detectLocale(['de'])).toBe('en')
    localStorage.setItem('veche.locale', 'en')
    expect(detectLocale(['ru-RU'])).toBe('en')
    localStorage.removeItem('veche.locale')
  })
})
