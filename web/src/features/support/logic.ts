// The support desk's pure helpers: the inbox's views as list filters, what status changes a
// conversation allows, the snooze presets, how a message is shown, the rail's count.
import type { Id, Millis } from '@/api/types'
import type { ConversationFilter } from './api'
import type { Agent, Conversation, ConversationStatus, DeskMessage, Direction } from './types'

export type InboxView = 'mine' | 'unassigned' | 'all'
export type StatusFilter = ConversationStatus | 'active' | 'any'

export const INBOX_VIEWS: readonly InboxView[] = ['mine', 'unassigned', 'all']
export const STATUS_FILTERS: readonly StatusFilter[] = ['active', 'open', 'pending', 'snoozed', 'resolved', 'any']

export function parseView(v: unknown): InboxView {
  return INBOX_VIEWS.includes(v as InboxView) ? (v as InboxView) : 'mine'
}
export function parseStatus(v: unknown): StatusFilter {
  return STATUS_FILTERS.includes(v as StatusFilter) ? (v as StatusFilter) : 'active'
}

/** The list query of an inbox view and status filter (`any` status sends none). */
export function inboxFilter(view: InboxView, status: StatusFilter, before?: Id, limit = 50): ConversationFilter {
  const assignee = view === 'mine' ? 'me' : view === 'unassigned' ? 'none' : 'any'
  return { assignee, status: status === 'any' ? undefined : status, before, limit }
}

/** The allowed origins an admin typed (one a line, or separated by spaces or commas), without repeats. */
export function parseOrigins(text: string): string[] {
  const out: string[] = []
  for (const o of text.split(/[\s,]+/)) if (o && !out.includes(o)) out.push(o)
  return out
}

/** The statuses a conversation may move to (docs/api.md: anything else is `409 invalid_transition`). */
export function allowedStatuses(from: ConversationStatus): ConversationStatus[] {
  switch (from) {
    case 'open':
      return ['pending', 'snoozed', 'resolved']
    case 'pending':
      return ['open', 'snoozed', 'resolved']
    case 'snoozed':
      return ['open', 'pending', 'snoozed', 'resolved']
    case 'resolved':
      return ['open']
  }
}

export function statusTone(s: ConversationStatus): 'accent' | 'warn' | 'ok' | '' {
  return s === 'open' ? 'accent' : s === 'pending' ? 'warn' : s === 'resolved' ? 'ok' : ''
}

/** Snooze presets, resolved on the server through the team's business calendar (docs/api.md). */
export type SnoozePreset = 'until_reply' | 'in_1_hour' | 'tomorrow' | 'next_working_day' | 'next_monday'
export const SNOOZE_PRESETS: readonly SnoozePreset[] = ['until_reply', 'in_1_hour', 'tomorrow', 'next_working_day', 'next_monday']

/** A custom snooze from an `<input type="datetime-local">` value: the instant, or null when empty,
 *  malformed or not in the future. */
export function customSnoozeUntil(value: string, now: Date = new Date()): Millis | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null
  const at = new Date(value).getTime()
  return Number.isFinite(at) && at > now.getTime() ? at : null
}

/** How a desk message is drawn; anything posted straight into the chat stays among agents, as a note. */
export function messageSide(m: Pick<DeskMessage, 'direction'>): 'customer' | 'agent' | 'note' {
  const d: Direction | undefined = m.direction
  return d === 'incoming' ? 'customer' : d === 'outgoing' ? 'agent' : 'note'
}

/** The short code a nameless visitor goes by: the last four digits of their contact's id (ids are
 *  snowflakes, so these vary from one contact to the next). */
export function visitorCode(contactId: Id): string {
  const digits = contactId.replace(/\D/g, '')
  return digits.length > 4 ? digits.slice(-4) : digits || '—'
}

/** The customer's name, else their e-mail, else "Visitor #1234" (`visitor` words it from the
 *  contact's code) — never the conversation's number, which the row shows beside it anyway. */
export function contactName(c: Pick<Conversation, 'contact_id' | 'contact'>, visitor: (code: string) => string): string {
  return c.contact?.name?.trim() || c.contact?.email?.trim() || visitor(visitorCode(c.contact?.id ?? c.contact_id))
}

/** The rail's badge: my open conversations (the list is already `assignee=me&status=open`, but a
 *  conversation changed in the page since may linger in it). */
export function myOpenCount(list: readonly Pick<Conversation, 'status' | 'assignee_id'>[], me: Id | null | undefined): number {
  if (!me) return 0
  return list.filter((c) => c.status === 'open' && c.assignee_id === me).length
}

/** The agents a conversation can go to: its team's (every agent when it has none), me first. */
export function assignable(agents: readonly Agent[], teamId: Id | null, me: Id | null | undefined): Agent[] {
  const of = teamId ? agents.filter((a) => a.team_ids.includes(teamId)) : [...agents]
  return of.sort((a, b) => (a.user_id === me ? -1 : b.user_id === me ? 1 : a.open_count - b.open_count))
}

/** A one-line preview of a message's text. */
export function preview(text: string | undefined | null, max = 90): string {
  const one = (text ?? '').replace(/\s+/g, ' ').trim()
  return one.length > max ? one.slice(0, max - 1).trimEnd() + '…' : one
}
