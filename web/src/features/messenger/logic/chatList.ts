// Pure updates of the chat list entries from events; the per-user fields (unread_count,
// last_read_message_id, my_role) are kept locally because chat.* events carry none of them.
import type { Chat, Id, Message } from '@/api/types'
import { compareIds } from './ids'

export interface UnreadContext {
  myId: Id
  /** The chat is open on screen and the page is visible: new messages are read at once. */
  viewing: boolean
  /** Our username, to count @mentions of us (mention_count) live. */
  myUsername?: string
}

/**
 * Does the message mention this user (by @username, or everyone with @channel/@all/@here)? Decided
 * from the names the server read in the text (`mentions`), never by parsing the text here: two
 * parsers drift, and then the badge disagrees with the server's mention_count.
 */
export function mentionsUser(msg: Pick<Message, 'mentions'>, username: string | undefined): boolean {
  for (const name of msg.mentions ?? []) {
    if (name === 'channel' || name === 'all' || name === 'here') return true
    if (username && name === username.toLowerCase()) return true
  }
  return false
}

export function applyMessageCreated(chat: Chat, msg: Message, ctx: UnreadContext): Chat {
  const last = chat.last_message
  if (last && compareIds(msg.id, last.id) <= 0) {
    // Old news (already counted in a snapshot, or replayed): at most refresh the same message.
    return last.id === msg.id ? { ...chat, last_message: msg } : chat
  }
  const next: Chat = {
    ...chat,
    last_message: msg,
    last_activity_at: Math.max(chat.last_activity_at, msg.created_at),
  }
  const lastRead = chat.last_read_message_id ?? '0'
  if (msg.author_id === ctx.myId) {
    // Posting implies having read everything before it.
    next.unread_count = 0
    next.last_read_message_id = msg.id
    next.mention_count = 0
  } else if (!ctx.viewing && compareIds(msg.id, lastRead) > 0) {
    next.unread_count = (chat.unread_count ?? 0) + 1
    if (mentionsUser(msg, ctx.myUsername)) next.mention_count = (chat.mention_count ?? 0) + 1
  }
  return next
}

export function applyMessageChanged(chat: Chat, msg: Message): Chat {
  if (chat.last_message?.id !== msg.id) return chat
  return { ...chat, last_message: msg }
}

export function applyMessageDeleted(chat: Chat, id: Id): Chat {
  if (chat.last_message?.id !== id) return chat
  return { ...chat, last_message: { ...chat.last_message, deleted: true, text: '' } }
}

/** Merge a chat.updated / chat.created payload into what we know, keeping the per-user fields. */
export function mergeChatMeta(existing: Chat | undefined, incoming: Chat): Chat {
  if (!existing) return incoming
  return {
    ...existing,
    ...incoming,
    my_role: incoming.my_role !== undefined ? incoming.my_role : existing.my_role,
    unread_count: incoming.unread_count ?? existing.unread_count,
    last_read_message_id: incoming.last_read_message_id ?? existing.last_read_message_id,
    last_message: incoming.last_message !== undefined ? incoming.last_message : existing.last_message,
    direct_user_id: incoming.direct_user_id ?? existing.direct_user_id,
    mention_count: incoming.mention_count ?? existing.mention_count,
    notify: incoming.notify ?? existing.notify,
  }
}

/**
 * Merge a fresh snapshot (GET /chats) with an entry events may already have moved past: a newer
 * last_message seen live wins over an older snapshot.
 */
export function mergeSnapshot(existing: Chat | undefined, snap: Chat): Chat {
  if (!existing?.last_message) return snap
  if (!snap.last_message || compareIds(existing.last_message.id, snap.last_message.id) > 0) {
    return {
      ...snap,
      last_message: existing.last_message,
      last_activity_at: Math.max(snap.last_activity_at, existing.last_activity_at),
      unread_count: existing.unread_count,
      last_read_message_id: existing.last_read_message_id,
      mention_count: existing.mention_count,
    }
  }
  return snap
}

/** chat.read from one of our devices. `unreadAfter` counts loaded messages newer than the marker. */
export function applyRead(chat: Chat, lastRead: Id, unreadAfter: number | null): Chat {
  const cur = chat.last_read_message_id ?? '0'
  if (compareIds(lastRead, cur) <= 0) return chat
  let unread = chat.unread_count ?? 0
  if (chat.last_message && compareIds(lastRead, chat.last_message.id) >= 0) unread = 0
  else if (unreadAfter !== null) unread = unreadAfter
  return { ...chat, last_read_message_id: lastRead, unread_count: unread, mention_count: unread === 0 ? 0 : chat.mention_count }
}

export function sortByActivity(a: Chat, b: Chat): number {
  return b.last_activity_at - a.last_activity_at || compareIds(b.id, a.id)
}
