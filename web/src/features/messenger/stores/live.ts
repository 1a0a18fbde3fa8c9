// Live, non-history state: typing indicators, other members' read markers ("seen by"), notifications.
import { defineStore } from 'pinia'
import { computed, ref, shallowReactive, shallowRef } from 'vue'
import { api } from '@/api/client'
import type { Id, Notification } from '@/api/types'
import { useSession } from '@/features/auth/session'
import { compareIds } from '../logic/ids'
import { addTyping, pruneTyping, removeTyping, shouldSendTyping, type TypingState, typingIn } from '../logic/typing'

export const useLive = defineStore('live', () => {
  const session = useSession()

  // ---- typing ----
  const typing = shallowRef<TypingState>(new Map())
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | null = null
  const lastSent = new Map<Id, number>()

  function onTyping(chatId: Id, userId: Id): void {
    if (userId === session.me?.id) return
    typing.value = addTyping(typing.value, chatId, userId, Date.now())
    now.value = Date.now()
    if (!timer)
      timer = setInterval(() => {
        now.value = Date.now()
        typing.value = pruneTyping(typing.value, now.value)
        if (typing.value.size === 0 && timer) {
          clearInterval(timer)
          timer = null
        }
      }, 1000)
  }

  function onPosted(chatId: Id, userId: Id): void {
    typing.value = removeTyping(typing.value, chatId, userId)
  }

  function typers(chatId: Id): Id[] {
    return typingIn(typing.value, chatId, now.value, session.me?.id)
  }

  /** Called on composer input; returns true when a frame should be sent now. */
  function maySendTyping(chatId: Id): boolean {
    const t = Date.now()
    if (!shouldSendTyping(lastSent.get(chatId), t)) return false
    lastSent.set(chatId, t)
    return true
  }

  // ---- others' read markers (seen by) ----
  /** chat id → user id → their last read message id, from chat.read events and /seen answers. */
  const readers = shallowReactive(new Map<Id, ReadonlyMap<Id, Id>>())

  function onRead(chatId: Id, userId: Id, lastRead: Id): void {
    const cur = readers.get(chatId)
    const prev = cur?.get(userId)
    if (prev && compareIds(prev, lastRead) >= 0) return
    const next = new Map(cur ?? [])
    next.set(userId, lastRead)
    readers.set(chatId, next)
  }

  const seenLoaded = new Set<Id>()
  async function loadSeen(chatId: Id, messageId: Id): Promise<void> {
    if (seenLoaded.has(messageId)) return
    seenLoaded.add(messageId)
    try {
      const r = await api.seen(messageId)
      for (const u of r.user_ids) onRead(chatId, u, messageId)
    } catch {
      /* large chats (409) or gone: no "seen by" */
    }
  }

  function seenBy(chatId: Id, messageId: Id, authorId: Id): Id[] {
    const m = readers.get(chatId)
    if (!m) return []
    const out: Id[] = []
    for (const [u, last] of m) if (u !== authorId && compareIds(last, messageId) >= 0) out.push(u)
    return out
  }

  // ---- notifications ----
  const notifications = ref<Notification[]>([])
  const notifState = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  const hasMoreNotifs = ref(false)
  const unreadNotifs = computed(() => notifications.value.filter((n) => !n.read).length)

  async function loadNotifications(more = false): Promise<void> {
    if (notifState.value === 'loading') return
    notifState.value = 'loading'
    try {
      const before = more ? notifications.value[notifications.value.length - 1]?.id : undefined
      const r = await api.notifications({ before, limit: 30 })
      const known = new Set(notifications.value.map((n) => n.id))
      const fresh = r.notifications.filter((n) => !known.has(n.id))
      notifications.value = more ? [...notifications.value, ...fresh] : mergeNotifs(r.notifications, notifications.value)
      hasMoreNotifs.value = r.notifications.length === 30
      notifState.value = 'ready'
    } catch {
      notifState.value = 'error'
    }
  }

  function mergeNotifs(a: Notification[], b: Notification[]): Notification[] {
    const byId = new Map<Id, Notification>()
    for (const n of b) byId.set(n.id, n)
    for (const n of a) byId.set(n.id, n)
    return Array.from(byId.values()).sort((x, y) => compareIds(y.id, x.id))
  }

  function onNotification(n: Notification): void {
    notifications.value = mergeNotifs([n], notifications.value)
  }

  async function markNotificationsRead(ids?: Id[]): Promise<void> {
    const set = ids ? new Set(ids) : null
    notifications.value = notifications.value.map((n) => (!set || set.has(n.id) ? { ...n, read: true } : n))
    try {
      await api.readNotifications(ids)
    } catch {
      /* best effort; the next load shows the truth */
    }
  }

  function clear(): void {
    typing.value = new Map()
    readers.clear()
    seenLoaded.clear()
    notifications.value = []
    notifState.value = 'idle'
  }

  return {
    typing,
    onTyping,
    onPosted,
    typers,
    maySendTyping,
    readers,
    onRead,
    loadSeen,
    seenBy,
    notifications,
    notifState,
    hasMoreNotifs,
    unreadNotifs,
    loadNotifications,
    onNotification,
    markNotificationsRead,
    clear,
  }
})
