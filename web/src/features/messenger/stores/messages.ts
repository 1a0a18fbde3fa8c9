import { defineStore } from 'pinia'
import { shallowReactive } from 'vue'
import { api, ApiError } from '@/api/client'
import type { FileInfo, Id, Message } from '@/api/types'
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

export interface PostExtra {
  thread_root_id?: Id
  quote?: { id: Id; author_id: Id; text: string }
  files?: FileInfo[]
}

/** A thread reply (message.created with thread_root_id) belongs to its thread panel only. */
export function isThreadReply(m: Pick<Message, 'thread_root_id'>): boolean {
  return !!m.thread_root_id && m.thread_root_id !== '0'
}

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
  /** Thread replies by root id: same Timeline shape as chats, never mixed into the chat history. */
  const threads = shallowReactive(new Map<Id, Timeline>())
  const threadLoading = shallowReactive(new Map<Id, boolean>())
  const threadErrors = shallowReactive(new Map<Id, string>())
  /** Extra POST fields of pending messages (thread root, quote, files), for retries. */
  const extras = new Map<string, PostExtra>()

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

  /** Where a pending message lives: the chat timeline, or its thread's. */
  function pendingHome(chatId: Id, extra: PostExtra | undefined): { get: () => Timeline; put: (tl: Timeline) => void } {
    const root = extra?.thread_root_id
    if (root) return { get: () => threadTimeline(root), put: (tl) => threads.set(root, tl) }
    return { get: () => timeline(chatId), put: (tl) => set(chatId, tl) }
  }

  async function send(chatId: Id, text: string, extra?: PostExtra): Promise<void> {
    const me = session.me
    if (!me) return
    const clientId = newClientId()
    if (extra) extras.set(clientId, extra)
    const home = pendingHome(chatId, extra)
    home.put(
      addPending(home.get(), {
        client_id: clientId,
        chat_id: chatId,
        author_id: me.id,
        text,
        created_at: Date.now(),
        state: 'sending',
        files: extra?.files,
        quote: extra?.quote,
      }),
    )
    await post(chatId, clientId, text)
  }

  async function post(chatId: Id, clientId: string, text: string): Promise<void> {
    const extra = extras.get(clientId)
    const home = pendingHome(chatId, extra)
    try {
      const msg = await api.postMessage(chatId, text, clientId, {
        thread_root_id: extra?.thread_root_id,
        quote_id: extra?.quote?.id,
        file_ids: extra?.files?.length ? extra.files.map((f) => f.id) : undefined,
      })
      extras.delete(clientId)
      onCreated(msg)
    } catch (e) {
      home.put(setPendingState(home.get(), clientId, 'failed'))
      if (e instanceof ApiError && e.code === 'rate_limited') {
        // The text stays in the timeline as "not sent" and goes out again once the server allows it
        // (same client_id: posted at most once).
        const s = Math.min(120, Math.max(1, Math.ceil(e.retryAfter ?? 5)))
        setTimeout(() => void retry(chatId, clientId).catch(() => undefined), s * 1000)
      }
      if (!(e instanceof ApiError && e.isNetwork)) throw e
    }
  }

  /** Re-post one failed message with its original client_id: the server posts it at most once. */
  async function retry(chatId: Id, clientId: string): Promise<void> {
    const home = pendingHome(chatId, extras.get(clientId))
    const p = home.get().pending.find((x) => x.client_id === clientId)
    if (!p) return
    home.put(setPendingState(home.get(), clientId, 'sending'))
    await post(chatId, clientId, p.text)
  }

  function discard(chatId: Id, clientId: string): void {
    const home = pendingHome(chatId, extras.get(clientId))
    home.put(removePending(home.get(), clientId))
    extras.delete(clientId)
  }

  /** After a reconnect: re-post everything that failed while offline. */
  function retryAllFailed(): void {
    for (const [chatId, tl] of timelines) {
      for (const p of tl.pending) if (p.state === 'failed') void retry(chatId, p.client_id).catch(() => undefined)
    }
    for (const tl of threads.values()) {
      for (const p of tl.pending) if (p.state === 'failed') void retry(p.chat_id, p.client_id).catch(() => undefined)
    }
  }

  // ---- threads ----

  function threadTimeline(rootId: Id): Timeline {
    return threads.get(rootId) ?? emptyTimeline()
  }

  async function loadThread(rootId: Id): Promise<void> {
    if (threadLoading.get(rootId)) return
    threadLoading.set(rootId, true)
    threadErrors.delete(rootId)
    try {
      const page = await api.thread(rootId, { limit: PAGE })
      const cur = threadTimeline(rootId)
      threads.set(rootId, { ...mergePage(cur, page.messages), loaded: true, hasMoreBefore: cur.loaded ? cur.hasMoreBefore : page.has_more })
    } catch (e) {
      threadErrors.set(rootId, (e as Error).message || 'error')
    } finally {
      threadLoading.delete(rootId)
    }
  }

  async function loadOlderThread(rootId: Id): Promise<void> {
    const tl = threads.get(rootId)
    if (!tl?.loaded || !tl.hasMoreBefore || threadLoading.get(rootId)) return
    threadLoading.set(rootId, true)
    try {
      const page = await api.thread(rootId, { before: oldestId(tl), limit: PAGE })
      threads.set(rootId, { ...mergePage(threadTimeline(rootId), page.messages), hasMoreBefore: page.has_more })
    } catch (e) {
      threadErrors.set(rootId, (e as Error).message || 'error')
    } finally {
      threadLoading.delete(rootId)
    }
  }

  /** Load history back until `id` is in the loaded window (search results, notifications, pins). */
  async function reveal(chatId: Id, id: Id): Promise<boolean> {
    await ensureLoaded(chatId)
    for (let i = 0; i < 60; i++) {
      const tl = timeline(chatId)
      if (findMessage(tl, id)) return true
      if (!tl.loaded || !tl.hasMoreBefore || (tl.messages[0] && compareIds(tl.messages[0].id, id) < 0)) return false
      const before = tl.messages.length
      await loadOlder(chatId)
      if (timeline(chatId).messages.length === before && errors.has(chatId)) return false
    }
    return !!findMessage(timeline(chatId), id)
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

  // Merges `m` into the list that shows it: its thread for replies (which never enter the chat's
  // history, last_message or unread count), else the chat's timeline. True when the chat list
  // should hear about it too.
  function applyToTimeline(m: Message, merge: typeof upsertMessage): boolean {
    if (isThreadReply(m)) {
      const root = m.thread_root_id as Id
      const ttl = threads.get(root)
      if (ttl) threads.set(root, merge(ttl, m))
      return false
    }
    const tl = timelines.get(m.chat_id)
    if (tl) set(m.chat_id, merge(tl, m))
    return true
  }

  function onCreated(m: Message): void {
    if (applyToTimeline(m, upsertMessage)) chats.onMessageCreated(m)
  }

  function onUpdated(m: Message): void {
    if (applyToTimeline(m, updateMessage)) chats.onMessageChanged(m)
  }

  function onRestored(m: Message): void {
    if (applyToTimeline(m, upsertMessage)) chats.onMessageChanged(m)
  }

  function onDeleted(chatId: Id, id: Id): void {
    const tl = timelines.get(chatId)
    if (tl) set(chatId, markDeleted(tl, id))
    for (const [root, ttl] of threads) {
      const next = markDeleted(ttl, id)
      if (next !== ttl) threads.set(root, next)
    }
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

  /** Apply a message returned by a REST call (pin, vote, close) wherever it is shown. */
  function applyRest(m: Message): void {
    onUpdated(m)
  }

  function forgetChat(chatId: Id): void {
    timelines.delete(chatId)
  }

  /**
   * After `resync_required`: every loaded message may be stale (events between our position and the
   * server's head are gone), so drop them and reload what is on screen over REST. Our own unsent
   * messages (pending, failed) stay: they are re-posted with their client_id as usual.
   */
  async function resync(): Promise<void> {
    const reloadThreads: Id[] = []
    for (const [chatId, tl] of Array.from(timelines)) {
      if (tl.pending.length) timelines.set(chatId, { ...emptyTimeline(), pending: tl.pending })
      else timelines.delete(chatId)
    }
    for (const [rootId, tl] of Array.from(threads)) {
      if (tl.loaded) reloadThreads.push(rootId)
      threads.set(rootId, { ...emptyTimeline(), pending: tl.pending })
    }
    loading.clear()
    errors.clear()
    const active = chats.activeId
    await Promise.all([...(active ? [loadNewest(active)] : []), ...reloadThreads.map((r) => loadThread(r))])
  }

  function clear(): void {
    timelines.clear()
    loading.clear()
    errors.clear()
    threads.clear()
    extras.clear()
  }

  return {
    timelines,
    threads,
    threadLoading,
    threadErrors,
    threadTimeline,
    loadThread,
    loadOlderThread,
    reveal,
    applyRest,
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
    resync,
    clear,
  }
})
