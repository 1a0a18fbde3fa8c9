// The support desk (SUP, docs/api.md "Support desk"): the agents' inbox under /support, a
// conversation under /support/:conversationId, the settings (support.admin) under /support/admin,
// the rail's badge of my open conversations, the live `support.` events (the inbox, the badge and
// the open conversation follow them), and the link from a conversation's chat back to it.
import type { Feature } from '../feature'
import { messages } from './messages'
import { slaMessages } from './slaMessages'
import { useSla } from './slaStore'
import type { SlaEventData } from './slaTypes'
import SupportChatLink from './SupportChatLink.vue'
import { useSupport } from './store'

export const support: Feature = {
  id: 'support',
  routes: [
    { path: 'support', name: 'support', component: () => import('./SupportView.vue') },
    { path: 'support/reports', name: 'support-reports', component: () => import('./ReportsView.vue') },
    { path: 'support/sla', name: 'support-sla', component: () => import('./SlaSettingsView.vue') },
    { path: 'support/admin', name: 'support-admin', component: () => import('./AdminView.vue') },
    { path: 'support/:conversationId', name: 'support-conversation', component: () => import('./ConversationPage.vue'), props: true },
  ],
  nav: { to: '/support', icon: 'lifebuoy', label: 'nav.support', badge: () => useSupport().openCount },
  messages: { en: { ...messages.en, ...slaMessages.en }, ru: { ...messages.ru, ...slaMessages.ru } },
  events: ['support.'],
  onEvent(ev) {
    useSupport().onEvent(ev)
    // The SLA's events update the badges' clocks too.
    if (ev.kind.startsWith('support.sla.')) useSla().apply(ev.kind, ev.data as unknown as SlaEventData)
  },
  chatHeader: { kinds: ['support'], component: SupportChatLink },
  async onStart() {
    await useSupport().loadMine()
  },
  onReset: () => void useSupport().loadMine(),
  onStop: () => {
    useSupport().clear()
    useSla().clear()
  },
}
