// Wires the one WebSocket to the stores: every event goes through dispatch(), in pos order.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { type ConnectionState, defaultSocketUrl, RealtimeConnection } from '@/api/realtime'
import type { ServerEvent } from '@/api/types'
import { useSession } from '@/features/auth/session'
import { useChats } from './chats'
import { useLive } from './live'
import { useMessages } from './messages'
import { useScheduled } from './scheduled'
import { useUsers } from './users'

export const useRealtime = defineStore('realtime', () => {
  const state = ref<ConnectionState>('idle')
  const retryInMs = ref<number | null>(null)
  /** Set once the first hello/synced round has happened; the banner stays quiet before that. */
  const everOnline = ref(false)
  const session = useSession()
  const chats = useChats()
  const messages = useMessages()
  const users = useUsers()
  const live = useLive()
  const scheduled = useScheduled()
  let conn: RealtimeConnection | null = null
  let firstSync: Promise<void> | null = null

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
      case 'user.updated':
        users.upsert(ev.data)
        session.updateMe(ev.data)
        break
      case 'scheduled_message.sent':
      case 'scheduled_message.failed':
        scheduled.onEvent(ev.data)
        break
    }
    if (ev.kind.startsWith('member.') || ev.kind === 'user.updated') memberEvents.value++
  }

  /** Bumped on every event so open member lists can refresh cheaply. */
  const memberEvents = ref(0)

  function bumpMembers(chatId: string, delta: number): void {
    const c = chats.byId.get(chatId)
    if (c) chats.byId.set(c.id, { ...c, member_count: Math.max(0, c.member_count + delta) })
  }

  /** Opens the socket; resolves after the first hello_ok (or a short timeout) so that a chat-list
   *  snapshot taken afterwards cannot miss an event. */
  function start(): Promise<void> {
    if (conn) return firstSync ?? Promise.resolve()
    let resolveFirst: () => void = () => undefined
    firstSync = new Promise<void>((r) => {
      resolveFirst = r
      setTimeout(r, 1500)
    })
    conn = new RealtimeConnection(
      { url: defaultSocketUrl() },
      {
        onEvent: dispatch,
        onState(s, info) {
          state.value = s
          retryInMs.value = info.retryInMs
          if (s === 'syncing') resolveFirst()
        },
        onSynced({ resumed }) {
          if (!everOnline.value) void session.refresh().then(() => session.me && users.upsert(session.me))
          everOnline.value = true
          if (resumed) {
            messages.retryAllFailed()
          }
        },
        onReset() {
          // Whatever events we missed are gone: reload from REST what the stores hold.
          void chats.loadAll().catch(() => undefined)
          void messages.resync()
          if (live.notifState !== 'idle') void live.loadNotifications()
          if (scheduled.loadState !== 'idle') void scheduled.load()
        },
        onRevoked() {
          session.forget()
        },
        onLive(frame) {
          if (frame.type === 'typing') live.onTyping(frame.chat_id, frame.user_id)
          else
            for (const u of frame.users) {
              users.setPresence(u.user_id, u.presence)
              if (session.me && u.user_id === session.me.id) session.me = { ...session.me, presence: u.presence }
            }
        },
      },
    )
    conn.start()
    if (typeof window !== 'undefined') window.addEventListener('online', onOnline)
    return firstSync
  }

  function onOnline(): void {
    conn?.reconnectNow()
  }

  function reconnectNow(): void {
    conn?.reconnectNow()
  }

  function stop(): void {
    conn?.stop()
    conn = null
    firstSync = null
    state.value = 'idle'
    everOnline.value = false
    if (typeof window !== 'undefined') window.removeEventListener('online', onOnline)
  }

  function sendTyping(chatId: string): void {
    if (live.maySendTyping(chatId)) conn?.sendTyping(chatId)
  }

  function lastPos(): number | null {
    return conn?.lastPos ?? null
  }

  return { state, retryInMs, everOnline, memberEvents, start, stop, reconnectNow, dispatch, lastPos, sendTyping }
})
