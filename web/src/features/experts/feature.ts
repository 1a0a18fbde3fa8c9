// The experts module's place until it is built: its rail entry and a page saying what it will be.
import { placeholderFeature } from '../shell/placeholder'

export const experts = placeholderFeature('experts', 'award', {
  en: { label: 'Experts', about: 'Ask the company’s experts, join communities and share best practices.' },
  ru: { label: 'Эксперты', about: 'Вопросы экспертам компании, сообщества и лучшие практики.' },
})
