import { describe, expect, it } from 'vitest'
import { i18n } from './index'
import en from './en'
import ru from './ru'

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, prefix + k + '.') : [prefix + k]))
}

describe('i18n', () => {
  it('has the same keys in both languages', () => {
    expect(keys(ru).sort()).toEqual(keys(en).sort())
  })

  it('uses Russian plural forms', () => {
    const t = i18n.global.t
    i18n.global.locale.value = 'ru'
    expect(t('chat.memberCount', { n: 1 }, 1)).toBe('1 участник')
    expect(t('chat.memberCount', { n: 3 }, 3)).toBe('3 участника')
    expect(t('chat.memberCount', { n: 11 }, 11)).toBe('11 участников')
    expect(t('chat.memberCount', { n: 22 }, 22)).toBe('22 участника')
    i18n.global.locale.value = 'en'
    expect(t('chat.memberCount', { n: 1 }, 1)).toBe('1 member')
    expect(t('chat.memberCount', { n: 5 }, 5)).toBe('5 members')
  })
})
