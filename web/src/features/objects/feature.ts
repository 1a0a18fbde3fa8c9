// The objects module's place until it is built: its rail entry and a page saying what it will be.
import { placeholderFeature } from '../shell/placeholder'

export const objects = placeholderFeature('objects', 'box', {
  en: { label: 'Objects', about: 'Chats bound to tenders, contracts and shipments, with documents and approvals.' },
  ru: { label: 'Объекты', about: 'Чаты по тендерам, договорам и поставкам — с документами и согласованиями.' },
})
