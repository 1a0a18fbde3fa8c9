// The user's devices and sessions (/sessions, opened from the profile dialog; no rail entry).
import type { Feature } from '../feature'
import en from './i18n/en'
import ru from './i18n/ru'

export const sessions: Feature = {
  id: 'sessions',
  routes: [{ path: 'sessions', name: 'sessions', component: () => import('./SessionsView.vue') }],
  messages: { en, ru },
}
