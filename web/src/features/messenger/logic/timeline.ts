// Pure operations on one chat's loaded messages. Every function returns a new Timeline (or the same one
// when nothing changed) so the store can hold timelines in shallow refs: a 10,000-message chat is never
// made deeply reactive.
import type { FileInfo, Id, Message } from '@/api/types'
import { compareIds } from './ids'

export type PendingState = 'sending' | 'failed'

export interface PendingMessage {
  client_id: string
  chat_id: Id
  author_id: Id
  text: string
  created_at: number
  state: PendingState
  files?: FileInfo[]
  quote?: { id: Id; author_id: Id; text: string }
}

export interface Timeline {
  /** Confirmed messages, ascending by id, unique by id. */
  messages: readonly Message[]
  /** Our own messages not yet confirmed by the server, in send order. */
  pending: readonly PendingMessage[]
  /** Older history exists on the server that is not loaded. */
  hasMoreBefore: boolean
  /** The newest page has been loaded, so live events can be appended. */
  loaded: boolean
}

export function emptyTimeline(): Timeline {
  return { messages: [], pending: [], hasMoreBefore: true, loaded: false }
}

function indexOfId(messages: readonly Message[], id: Id): { index: number; found: boolean } {
  let lo = 0
  let hi = messages.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const c = compareIds(messages[mid].id, id)
    if (c === 0) return { index: mid, found: true }
    if (c < 0) lo = mid + 1
    else hi = mid
  }
  return { index: lo, found: false }
}

export function findMessage(tl: Timeline, id: Id): Message | undefined {
  const { index, found } = indexOfId(tl.messages, id)
  return found ? tl.messages[index] : undefined
}

/**
 * Insert or replace a confirmed message. A pending message with the same client_id (ours) is removed,
 * so an optimistic message is replaced by the real one exactly once, whichever of the POST answer and
 * the message.created event comes first.
 */
export function upsertMessage(tl: Timeline, msg: Message): Timeline {
  let pending = tl.pending
  if (msg.client_id) {
    const i = pending.findIndex((p) => p.client_id === msg.client_id && p.author_id === msg.author_id)
    if (i >= 0) pending = [...pending.slice(0, i), ...pending.slice(i + 1)]
  }
  const { index, found } = indexOfId(tl.messages, msg.id)
  let messages: readonly Message[]
  if (found) {
    const old = tl.messages[index]
    if (old === msg) return pending === tl.pending ? tl : { ...tl, pending }
    messages = [...tl.messages.slice(0, index), msg, ...tl.messages.slice(index + 1)]
  } else {
    messages = [...tl.messages.slice(0, index), msg, ...tl.messages.slice(index)]
  }
  return { ...tl, messages, pending }
}

/** Apply a message.updated event; unknown ids are ignored (they are outside the loaded window). */
export function updateMessage(tl: Timeline, msg: Message): Timeline {
  const { index, found } = indexOfId(tl.messages, msg.id)
  if (!found) return tl
  const messages = tl.messages.slice()
  messages[index] = msg
  return { ...tl, messages }
}

export function markDeleted(tl: Timeline, id: Id): Timeline {
  const { index, found } = indexOfId(tl.messages, id)
  if (!found) return tl
  const old = tl.messages[index]
  if (old.deleted) return tl
  const messages = tl.messages.slice()
  messages[index] = { ...old, deleted: true, text: '', reactions: [] }
  return { ...tl, messages }
}

/** Merge a page of history (any direction); duplicates are collapsed by id. */
export function mergePage(tl: Timeline, page: readonly Message[]): Timeline {
  if (page.length === 0) return tl
  let pending = tl.pending
  const byId = new Map<Id, Message>()
  for (const m of tl.messages) byId.set(m.id, m)
  for (const m of page) {
    byId.set(m.id, m)
    if (m.client_id && pending.some((p) => p.client_id === m.client_id && p.author_id === m.author_id)) {
      pending = pending.filter((p) => !(p.client_id === m.client_id && p.author_id === m.author_id))
    }
  }
  const messages = Array.from(byId.values()).sort((a, b) => compareIds(a.id, b.id))
  return { ...tl, messages, pending }
}

export function addPending(tl: Timeline, p: PendingMessage): Timeline {
  if (tl.pending.some((x) => x.client_id === p.client_id)) return tl
  return { ...tl, pending: [...tl.pending, p] }
}

export function setPendingState(tl: Timeline, clientId: string, state: PendingState): Timeline {
  const i = tl.pending.findIndex((p) => p.client_id === clientId)
  if (i < 0 || tl.pending[i].state === state) return tl
  const pending = tl.pending.slice()
  pending[i] = { ...pending[i], state }
  return { ...tl, pending }
}

export function removePending(tl: Timeline, clientId: string): Timeline {
  const pending = tl.pending.filter((p) => p.client_id !== clientId)
  return pending.length === tl.pending.length ? tl : { ...tl, pending }
}

export function newestId(tl: Timeline): Id | undefined {
  return tl.messages.length ? tl.messages[tl.messages.length - 1].id : undefined
}

export function oldestId(tl: Timeline): Id | undefined {
  return tl.messages.length ? tl.messages[0].id : undefined
}
