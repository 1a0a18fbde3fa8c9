// The video module's place until it is built: its rail entry and a page saying what it will be.
import { placeholderFeature } from '../shell/placeholder'

export const video = placeholderFeature('video', 'video', {
  en: { label: 'Video', about: 'The internal video platform with categories, playlists and statistics.' },
  ru: { label: 'Видео', about: 'Внутренняя видеоплатформа: категории, плейлисты, статистика.' },
})
