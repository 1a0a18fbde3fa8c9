// The messenger's share of the one WebSocket (app/realtime.ts): the events of the kinds the messenger
// feature claims (message.*, chat.*, member.*, notification.*, scheduled_message.*), in pos order,
// and the typing frames.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useRealtime } from '@/app/realtime'
import type { LiveFrame, ServerEvent } from '@/api/types'
import { useSession } from '@/features/auth/session'
import { useChats } from './chats'
import { useLive } from './live'
import { useMessages } from './messages'
import { useScheduled } from './scheduled'

export const useMessengerRealtime = defineStore('messengerRealtime', () => {
  const session = useSession()
  const chats = useChats()
  const messages = useMessages()
  const live = useLive()
  const scheduled = useScheduled()

  function dispatch(ev: ServerEvent): void {
    const me = session.me?.id
    switch (ev.kind) {
      case 'message.created':
        messages.onCreated(ev.data)
        live.onPosted(ev.data.chat_id, ev.data.author_id)
        break
      case 'message.updated':
        messages.onUpdated(ev.data)
        break
      case 'message.restored':
        messages.onRestored(ev.data)
        break
      case 'message.deleted':
        messages.onDeleted(ev.data.chat_id, ev.data.id)
        break
      case 'chat.created':
        if (!chats.byId.has(ev.data.id)) void chats.refetch(ev.data.id)
        else chats.upsert(ev.data)
        break
      case 'chat.updated':
        if (chats.byId.has(ev.data.id)) chats.upsert(ev.data)
        break
      case 'member.added':
        if (ev.data.user_id === me) void chats.refetch(ev.data.chat_id)
        else bumpMembers(ev.data.chat_id, +1)
        break
      case 'member.updated':
        if (ev.data.user_id === me) {
          const c = chats.byId.get(ev.data.chat_id)
          if (c) chats.byId.set(c.id, { ...c, my_role: ev.data.role })
        }
        break
      case 'member.removed':
        if (ev.data.user_id === me) {
          chats.remove(ev.data.chat_id)
          messages.forgetChat(ev.data.chat_id)
        } else bumpMembers(ev.data.chat_id, -1)
        break
      case 'chat.read':
        if (ev.data.user_id && ev.data.user_id !== me) {
          live.onRead(ev.data.chat_id, ev.data.user_id, ev.data.last_read_message_id)
          break
        }
        chats.onRead(
          ev.data.chat_id,
          ev.data.last_read_message_id,
          messages.unreadAfter(ev.data.chat_id, ev.data.last_read_message_id),
        )
        break
      case 'notification.created':
        live.onNotification(ev.data)
        break
      case 'scheduled_message.sent':
      case 'scheduled_message.failed':
        scheduled.onEvent(ev.data)
        break
    }
    if (ev.kind.startsWith('member.')) memberEvents.value++
  }

  /** Bumped on every member event so open member lists can refresh cheaply (they also follow
   *  `useUsers().updates` for renames). */
  const memberEvents = ref(0)

  function bumpMembers(chatId: string, delta: number): void {
    const c = chats.byId.get(chatId)
    if (c) chats.byId.set(c.id, { ...c, member_count: Math.max(0, c.member_count + delta) })
  }

  function onLive(frame: LiveFrame): void {
    if (frame.type === 'typing') live.onTyping(frame.chat_id, frame.user_id)
  }

  function onSynced({ resumed }: { resumed: boolean }): void {
    if (resumed) messages.retryAllFailed()
  }

  /** Whatever events we missed are gone: reload from REST what the stores hold. */
  function onReset(): void {
    void chats.loadAll().catch(() => undefined)
    void messages.resync()
    if (live.notifState !== 'idle') void live.loadNotifications()
    if (scheduled.loadState !== 'idle') void scheduled.load()
  }

  function sendTyping(chatId: string): void {
    if (live.maySendTyping(chatId)) useRealtime().send({ type: 'typing', chat_id: chatId })
  }

  return { memberEvents, dispatch, onLive, onSynced, onReset, sendTyping }
})
