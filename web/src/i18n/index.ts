import { createI18n } from 'vue-i18n'
import { detectLocale, saveLocale, type Locale } from '@/shared/prefs'
import en from './en'
import ru from './ru'

/** Russian plural forms: 1 участник, 2 участника, 5 участников (choice 0 = "none" when given 4 forms). */
function ruPlural(choice: number, choicesLength: number): number {
  const n = Math.abs(choice)
  if (choicesLength === 4 && n === 0) return 0
  const offset = choicesLength === 4 ? 1 : 0
  const m10 = n % 10
  const m100 = n % 100
  if (m10 === 1 && m100 !== 11) return offset
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return offset + 1
  return offset + 2
}

export const i18n = createI18n({
  legacy: false,
  locale: detectLocale(),
  fallbackLocale: 'en',
  messages: { en, ru },
  pluralRules: { ru: ruPlural },
  missingWarn: false,
  fallbackWarn: false,
})

if (typeof document !== 'undefined') document.documentElement.lang = i18n.global.locale.value

export function setLocale(l: Locale): void {
  i18n.global.locale.value = l
  saveLocale(l)
  document.documentElement.lang = l
}

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale
}
