// The support desk (SUP, docs/api.md "Support desk"): the agents' inbox under /support, a
// conversation under /support/:conversationId, and the rail's badge of my open conversations. The
// server sends no support events yet: nothing is polled, pages reload after actions and on demand.
import type { Feature } from '../feature'
import { messages } from './messages'
import { useSupport } from './store'

export const support: Feature = {
  id: 'support',
  routes: [
    { path: 'support', name: 'support', component: () => import('./SupportView.vue') },
    { path: 'support/:conversationId', name: 'support-conversation', component: () => import('./ConversationPage.vue'), props: true },
  ],
  nav: { to: '/support', icon: 'lifebuoy', label: 'nav.support', badge: () => useSupport().openCount },
  messages,
  async onStart() {
    await useSupport().loadMine()
  },
  onReset: () => void useSupport().loadMine(),
  onStop: () => useSupport().clear(),
}
