// "Who is typing" bookkeeping: a typing frame keeps its user listed for TYPING_SHOW_MS, and we send
// our own frames at most once per TYPING_SEND_MS per chat (the server drops extra ones anyway).
import type { Id } from '@/api/types'

export const TYPING_SHOW_MS = 5000
export const TYPING_SEND_MS = 2000

/** chat id → user id → time the indicator expires. */
export type TypingState = ReadonlyMap<Id, ReadonlyMap<Id, number>>

export function addTyping(state: TypingState, chatId: Id, userId: Id, now: number): TypingState {
  const next = new Map(state)
  const users = new Map(state.get(chatId) ?? [])
  users.set(userId, now + TYPING_SHOW_MS)
  next.set(chatId, users)
  return next
}

/** A user who posted stops "typing" at once. */
export function removeTyping(state: TypingState, chatId: Id, userId: Id): TypingState {
  const users = state.get(chatId)
  if (!users?.has(userId)) return state
  const next = new Map(state)
  const u = new Map(users)
  u.delete(userId)
  if (u.size) next.set(chatId, u)
  else next.delete(chatId)
  return next
}

/** Drop expired entries; returns the same object when nothing expired. */
export function pruneTyping(state: TypingState, now: number): TypingState {
  let changed = false
  const next = new Map<Id, ReadonlyMap<Id, number>>()
  for (const [chatId, users] of state) {
    const u = new Map<Id, number>()
    for (const [id, until] of users) {
      if (until > now) u.set(id, until)
      else changed = true
    }
    if (u.size) next.set(chatId, u)
  }
  return changed ? next : state
}

export function typingIn(state: TypingState, chatId: Id, now: number, exclude?: Id): Id[] {
  const users = state.get(chatId)
  if (!users) return []
  return Array.from(users)
    .filter(([id, until]) => until > now && id !== exclude)
    .map(([id]) => id)
}

/** Throttle for our own typing frames: true when a frame may go out now. */
export function shouldSendTyping(lastSentAt: number | undefined, now: number): boolean {
  return lastSentAt === undefined || now - lastSentAt >= TYPING_SEND_MS
}
