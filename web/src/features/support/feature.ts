// The support desk (SUP, docs/api.md "Support desk"): the agents' inbox under /support, a
// conversation under /support/:conversationId, and the rail's badge of my open conversations. The
// server sends no support events yet: nothing is polled, pages reload after actions and on demand.
import type { Feature } from '../feature'
import { messages } from './messages'
import { slaMessages } from './slaMessages'
import { useSla } from './slaStore'
import type { SlaEventData } from './slaTypes'
import { useSupport } from './store'

export const support: Feature = {
  id: 'support',
  routes: [
    { path: 'support', name: 'support', component: () => import('./SupportView.vue') },
    { path: 'support/reports', name: 'support-reports', component: () => import('./ReportsView.vue') },
    { path: 'support/sla', name: 'support-sla', component: () => import('./SlaSettingsView.vue') },
    { path: 'support/:conversationId', name: 'support-conversation', component: () => import('./ConversationPage.vue'), props: true },
  ],
  nav: { to: '/support', icon: 'lifebuoy', label: 'nav.support', badge: () => useSupport().openCount },
  messages: { en: { ...messages.en, ...slaMessages.en }, ru: { ...messages.ru, ...slaMessages.ru } },
  // The SLA's events (addressed to the assignee) update the badges' clocks.
  events: ['support.sla.warning', 'support.sla.missed', 'support.sla.hit'],
  onEvent(ev) {
    useSla().apply(ev.kind, ev.data as unknown as SlaEventData)
  },
  async onStart() {
    await useSupport().loadMine()
  },
  onReset: () => void useSupport().loadMine(),
  onStop: () => {
    useSupport().clear()
    useSla().clear()
  },
}
