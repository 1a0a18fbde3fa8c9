// The messenger as a feature: chats and messages under /chats, the first entry of the rail with the
// unread count, and the real-time kinds of chats, messages, members, notifications and scheduled
// messages. Its strings are still the app's own (src/i18n), where they were before the registry.
import type { Feature } from '../feature'
import ChatView from './views/ChatView.vue'
import MessengerView from './views/MessengerView.vue'
import NoChatView from './views/NoChatView.vue'
import { useChats } from './stores/chats'
import { useMessages } from './stores/messages'
import { useMessengerRealtime } from './stores/realtime'
import { useScheduled } from './stores/scheduled'

/** A chat on screen in a hidden tab is not being read: its unread count keeps growing. */
function onVisibility(): void {
  useChats().pageVisible = document.visibilityState === 'visible'
}

export const messenger: Feature = {
  id: 'messenger',
  routes: [
    {
      path: 'chats',
      component: MessengerView,
      children: [
        { path: '', name: 'chats', component: NoChatView },
        { path: ':chatId', name: 'chat', component: ChatView, props: true },
      ],
    },
  ],
  nav: { to: '/chats', icon: 'message', label: 'nav.messenger', badge: () => useChats().totalUnread },
  events: ['message.', 'chat.', 'member.', 'notification.', 'scheduled_message.'],
  onEvent: (ev) => useMessengerRealtime().dispatch(ev),
  live: ['typing'],
  onLive: (frame) => useMessengerRealtime().onLive(frame),
  async onStart() {
    onVisibility()
    document.addEventListener('visibilitychange', onVisibility)
    try {
      await useChats().loadAll()
    } catch {
      /* the sidebar shows the error and a retry button */
    }
  },
  onSynced: (info) => useMessengerRealtime().onSynced(info),
  onReset: () => useMessengerRealtime().onReset(),
  onStop() {
    document.removeEventListener('visibilitychange', onVisibility)
    useChats().clear()
    useMessages().clear()
    useScheduled().clear()
  },
}
