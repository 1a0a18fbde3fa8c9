// The support module's place until it is built: its rail entry and a page saying what it will be.
import { placeholderFeature } from '../shell/placeholder'

export const support = placeholderFeature('support', 'lifebuoy', {
  en: { label: 'Support', about: 'A support desk for customers: web widget, email, teams and SLAs.' },
  ru: { label: 'Поддержка', about: 'Служба поддержки клиентов: виджет на сайте, почта, команды и SLA.' },
})
