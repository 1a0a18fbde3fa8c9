// The support desk (SUP, docs/api.md "Support desk"): the agents' inbox under /support, a
// conversation under /support/:conversationId, the rail's badge of my open conversations, the live
// `support.` events (the inbox, the badge and the open conversation follow them), and the link from
// a conversation's chat in the messenger back to the conversation.
import type { Feature } from '../feature'
import { messages } from './messages'
import SupportChatLink from './SupportChatLink.vue'
import { useSupport } from './store'

export const support: Feature = {
  id: 'support',
  routes: [
    { path: 'support', name: 'support', component: () => import('./SupportView.vue') },
    { path: 'support/:conversationId', name: 'support-conversation', component: () => import('./ConversationPage.vue'), props: true },
  ],
  nav: { to: '/support', icon: 'lifebuoy', label: 'nav.support', badge: () => useSupport().openCount },
  messages,
  events: ['support.'],
  onEvent: (ev) => useSupport().onEvent(ev),
  chatHeader: { kinds: ['support'], component: SupportChatLink },
  async onStart() {
    await useSupport().loadMine()
  },
  onReset: () => void useSupport().loadMine(),
  onStop: () => useSupport().clear(),
}
