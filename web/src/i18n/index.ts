import { createI18n } from 'vue-i18n'
import type { Feature } from '@/features/feature'
import { detectLocale, saveLocale, type Locale } from '@/shared/prefs'
import en from './en'
import { mergeMessages, type MessageTree } from './merge'
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

/** The app's strings with every feature's merged in, per language (throws on a key defined twice). */
export function appMessages(features: readonly Feature[]): { en: MessageTree; ru: MessageTree } {
  let all = { en: en as MessageTree, ru: ru as MessageTree }
  for (const f of features) {
    if (!f.messages) continue
    all = { en: mergeMessages(all.en, f.messages.en, f.id), ru: mergeMessages(all.ru, f.messages.ru, f.id) }
  }
  return all
}

/** Gives the app's i18n the features' strings (main.ts, before the app mounts). */
export function installMessages(features: readonly Feature[]): void {
  const all = appMessages(features)
  i18n.global.setLocaleMessage('en', all.en as typeof en)
  i18n.global.setLocaleMessage('ru', all.ru as typeof en)
}

if (typeof document !== 'undefined') document.documentElement.lang = i18n.global.locale.value

export function setLocale(l: Locale): void {
  i18n.global.locale.value = l
  saveLocale(l)
  document.documentElement.lang = l
}

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale
}
