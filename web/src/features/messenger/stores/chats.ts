import { defineStore } from 'pinia'
import { computed, ref, shallowReactive } from 'vue'
import { api } from '@/api/client'
import type { Chat, Id, Message } from '@/api/types'
import { useSession } from '@/features/auth/session'
import {
  applyMessageChanged,
  applyMessageCreated,
  applyMessageDeleted,
  applyRead,
  mergeChatMeta,
  mergeSnapshot,
  sortByActivity,
} from '../logic/chatList'
import { compareIds } from '../logic/ids'
import { displayName, useUsers } from '@/shared/users'

export const useChats = defineStore('chats', () => {
  const byId = shallowReactive(new Map<Id, Chat>())
  const loadState = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  /** The chat open in the main pane. */
  const activeId = ref<Id | null>(null)
  const pageVisible = ref(typeof document === 'undefined' || document.visibilityState === 'visible')

  const session = useSession()
  const users = useUsers()

  const list = computed(() => Array.from(byId.values()).sort(sortByActivity))
  const channels = computed(() => list.value.filter((c) => c.type === 'channel'))
  const groups = computed(() => list.value.filter((c) => c.type === 'group'))
  const directs = computed(() => list.value.filter((c) => c.type === 'direct'))
  const totalUnread = computed(() => list.value.reduce((n, c) => n + (c.unread_count ?? 0), 0))

  function isViewing(id: Id): boolean {
    return activeId.value === id && pageVisible.value
  }

  async function loadAll(): Promise<void> {
    if (loadState.value !== 'ready') loadState.value = 'loading'
    try {
      const { chats } = await api.chats()
      const seen = new Set<Id>()
      for (const c of chats) {
        seen.add(c.id)
        byId.set(c.id, mergeSnapshot(byId.get(c.id), c))
      }
      for (const id of Array.from(byId.keys())) if (!seen.has(id)) byId.delete(id)
      loadState.value = 'ready'
    } catch (e) {
      if (loadState.value !== 'ready') loadState.value = 'error'
      throw e
    }
  }

  function upsert(c: Chat): void {
    byId.set(c.id, mergeChatMeta(byId.get(c.id), c))
  }

  const refetching = new Map<Id, Promise<void>>()
  /** Fetch one chat with its per-user fields (after being added to it, or on an unknown chat's event). */
  function refetch(id: Id): Promise<void> {
    let p = refetching.get(id)
    if (!p) {
      p = api
        .chat(id)
        .then((c) => {
          if (c.my_role) byId.set(c.id, mergeSnapshot(byId.get(c.id), c))
        })
        .catch(() => undefined)
        .finally(() => refetching.delete(id))
      refetching.set(id, p)
    }
    return p
  }

  function remove(id: Id): void {
    byId.delete(id)
  }

  function onMessageCreated(m: Message): void {
    const c = byId.get(m.chat_id)
    if (!c) {
      void refetch(m.chat_id)
      return
    }
    byId.set(c.id, applyMessageCreated(c, m, { myId: session.me?.id ?? '', viewing: isViewing(c.id), myUsername: session.me?.username }))
  }

  function onMessageChanged(m: Message): void {
    const c = byId.get(m.chat_id)
    if (c) byId.set(c.id, applyMessageChanged(c, m))
  }

  function onMessageDeleted(chatId: Id, id: Id): void {
    const c = byId.get(chatId)
    if (c) byId.set(c.id, applyMessageDeleted(c, id))
  }

  function onRead(chatId: Id, lastRead: Id, unreadAfter: number | null): void {
    const c = byId.get(chatId)
    if (c) byId.set(c.id, applyRead(c, lastRead, unreadAfter))
  }

  function setReadResult(chatId: Id, lastRead: Id, unread: number): void {
    const c = byId.get(chatId)
    if (!c) return
    if (c.last_read_message_id && compareIds(lastRead, c.last_read_message_id) < 0) return
    byId.set(chatId, { ...c, last_read_message_id: lastRead, unread_count: unread, mention_count: unread ? c.mention_count : 0 })
  }

  function title(c: Chat | undefined): string {
    if (!c) return ''
    if (c.type === 'direct') {
      const other = c.direct_user_id && c.direct_user_id !== session.me?.id ? c.direct_user_id : null
      if (!other) return displayName(session.me ?? undefined)
      return displayName(users.get(other))
    }
    if (c.name) return c.name
    return ''
  }

  function clear(): void {
    byId.clear()
    loadState.value = 'idle'
    activeId.value = null
  }

  return {
    byId,
    loadState,
    activeId,
    pageVisible,
    list,
    channels,
    groups,
    directs,
    totalUnread,
    isViewing,
    loadAll,
    upsert,
    refetch,
    remove,
    onMessageCreated,
    onMessageChanged,
    onMessageDeleted,
    onRead,
    setReadResult,
    title,
    clear,
  }
})
