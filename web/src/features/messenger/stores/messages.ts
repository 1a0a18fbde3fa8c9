import { defineStore } from 'pinia'
import { shallowReactive } from 'vue'
import { api, ApiError } from '@/api/client'
import type { Id, Message } from '@/api/types'
import { useSession } from '@/features/auth/session'
import { compareIds, newClientId } from '../logic/ids'
import {
  addPending,
  emptyTimeline,
  findMessage,
  markDeleted,
  mergePage,
  newestId,
  oldestId,
  removePending,
  setPendingState,
  type Timeline,
  updateMessage,
  upsertMessage,
} from '../logic/timeline'
import { useChats } from './chats'

const PAGE = 50
/** History pages are bigger: scrolling back through a long chat should take few round trips. */
const OLDER_PAGE = 100

export const useMessages = defineStore('messages', () => {
  /** Loaded timelines by chat id; values are immutable snapshots replaced on every change. */
  const timelines = shallowReactive(new Map<Id, Timeline>())
  const loading = shallowReactive(new Map<Id, 'newest' | 'older'>())
  const errors = shallowReactive(new Map<Id, string>())
  const session = useSession()
  const chats = useChats()
  const readInflight = new Set<Id>()

  function timeline(chatId: Id): Timeline {
    return timelines.get(chatId) ?? emptyTimeline()
  }

  function set(chatId: Id, tl: Timeline): void {
    if (timelines.get(chatId) !== tl) timelines.set(chatId, tl)
  }

  async function ensureLoaded(chatId: Id): Promise<void> {
    const tl = timelines.get(chatId)
    if (tl?.loaded || loading.get(chatId) === 'newest') return
    await loadNewest(chatId)
  }

  async function loadNewest(chatId: Id): Promise<void> {
    loading.set(chatId, 'newest')
    errors.delete(chatId)
    try {
      const page = await api.messages(chatId, { limit: PAGE })
      const cur = timeline(chatId)
      const merged = mergePage(cur, page.messages)
      set(chatId, { ...merged, loaded: true, hasMoreBefore: cur.loaded ? cur.hasMoreBefore : page.has_more })
    } catch (e) {
      errors.set(chatId, (e as Error).message || 'error')
    } finally {
      loading.delete(chatId)
    }
  }

  async function loadOlder(chatId: Id): Promise<void> {
    const tl = timelines.get(chatId)
    if (!tl?.loaded || !tl.hasMoreBefore || loading.has(chatId)) return
    const before = oldestId(tl)
    loading.set(chatId, 'older')
    try {
      const page = await api.messages(chatId, { before, limit: OLDER_PAGE })
      const cur = timeline(chatId)
      set(chatId, { ...mergePage(cur, page.messages), hasMoreBefore: page.has_more })
    } catch (e) {
      errors.set(chatId, (e as Error).message || 'error')
    } finally {
      loading.delete(chatId)
    }
  }

  async function send(chatId: Id, text: string): Promise<void> {
    const me = session.me
    if (!me) return
    const clientId = newClientId()
    set(
      chatId,
      addPending(timeline(chatId), {
        client_id: clientId,
        chat_id: chatId,
        author_id: me.id,
        text,
        created_at: Date.now(),
        state: 'sending',
      }),
    )
    await post(chatId, clientId, text)
  }

  async function post(chatId: Id, clientId: string, text: string): Promise<void> {
    try {
      const msg = await api.postMessage(chatId, text, clientId)
      onCreated(msg)
    } catch (e) {
      set(chatId, setPendingState(timeline(chatId), clientId, 'failed'))
      if (!(e instanceof ApiError && e.isNetwork)) throw e
    }
  }

  /** Re-post one failed message with its original client_id: the server posts it at most once. */
  async function retry(chatId: Id, clientId: string): Promise<void> {
    const p = timeline(chatId).pending.find((x) => x.client_id === clientId)
    if (!p) return
    set(chatId, setPendingState(timeline(chatId), clientId, 'sending'))
    await post(chatId, clientId, p.text)
  }

  function discard(chatId: Id, clientId: string): void {
    set(chatId, removePending(timeline(chatId), clientId))
  }

  /** After a reconnect: re-post everything that failed while offline. */
  function retryAllFailed(): void {
    for (const [chatId, tl] of timelines) {
      for (const p of tl.pending) if (p.state === 'failed') void retry(chatId, p.client_id).catch(() => undefined)
    }
  }

  async function edit(id: Id, chatId: Id, text: string): Promise<void> {
    const msg = await api.editMessage(id, text)
    onUpdated(msg)
    void chatId
  }

  async function remove(id: Id, chatId: Id): Promise<void> {
    await api.deleteMessage(id)
    onDeleted(chatId, id)
  }

  async function toggleReaction(msg: Message, emoji: string): Promise<void> {
    const mine = msg.reactions?.some((r) => r.emoji === emoji && r.me)
    const updated = mine ? await api.removeReaction(msg.id, emoji) : await api.addReaction(msg.id, emoji)
    onUpdated(updated)
  }

  async function markRead(chatId: Id): Promise<void> {
    const chat = chats.byId.get(chatId)
    const tl = timelines.get(chatId)
    if (!chat || !tl?.loaded || readInflight.has(chatId)) return
    const newest = newestId(tl)
    if (!newest) return
    const lastRead = chat.last_read_message_id ?? '0'
    if (compareIds(newest, lastRead) <= 0 && !chat.unread_count) return
    readInflight.add(chatId)
    chats.setReadResult(chatId, newest, 0)
    try {
      const r = await api.markRead(chatId, newest)
      chats.setReadResult(chatId, r.last_read_message_id, r.unread_count)
    } catch {
      /* retried on the next message or focus */
    } finally {
      readInflight.delete(chatId)
    }
  }

  // ---- events ----

  function onCreated(m: Message): void {
    const tl = timelines.get(m.chat_id)
    if (tl) set(m.chat_id, upsertMessage(tl, m))
    chats.onMessageCreated(m)
  }

  function onUpdated(m: Message): void {
    const tl = timelines.get(m.chat_id)
    if (tl) set(m.chat_id, updateMessage(tl, m))
    chats.onMessageChanged(m)
  }

  function onRestored(m: Message): void {
    const tl = timelines.get(m.chat_id)
    if (tl) set(m.chat_id, upsertMessage(tl, m))
    chats.onMessageChanged(m)
  }

  function onDeleted(chatId: Id, id: Id): void {
    const tl = timelines.get(chatId)
    if (tl) set(chatId, markDeleted(tl, id))
    chats.onMessageDeleted(chatId, id)
  }

  /** Loaded messages from others newer than a read marker, or null when the window can't tell. */
  function unreadAfter(chatId: Id, lastRead: Id): number | null {
    const tl = timelines.get(chatId)
    if (!tl?.loaded || tl.messages.length === 0) return null
    if (compareIds(tl.messages[0].id, lastRead) > 0 && tl.hasMoreBefore) return null
    const me = session.me?.id
    let n = 0
    for (let i = tl.messages.length - 1; i >= 0; i--) {
      const m = tl.messages[i]
      if (compareIds(m.id, lastRead) <= 0) break
      if (m.author_id !== me && !m.deleted) n++
    }
    return n
  }

  function get(chatId: Id, id: Id): Message | undefined {
    const tl = timelines.get(chatId)
    return tl ? findMessage(tl, id) : undefined
  }

  function forgetChat(chatId: Id): void {
    timelines.delete(chatId)
  }

  function clear(): void {
    timelines.clear()
    loading.clear()
    errors.clear()
  }

  return {
    timelines,
    loading,
    errors,
    timeline,
    ensureLoaded,
    loadNewest,
    loadOlder,
    send,
    retry,
    discard,
    retryAllFailed,
    edit,
    remove,
    toggleReaction,
    markRead,
    onCreated,
    onUpdated,
    onRestored,
    onDeleted,
    unreadAfter,
    get,
    forgetChat,
    clear,
  }
})
