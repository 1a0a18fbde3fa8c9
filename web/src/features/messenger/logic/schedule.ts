// "Send later": the preset times of the composer's menu, the custom picker's value, and the checks the
// UI makes before the server does (docs/api.md, "Scheduled messages"). All in the browser's local time
// zone; pure functions of `now`, so the tests fix the clock.
import type { ScheduledMessage, ScheduledState } from '@/api/types'
import { compareIds } from './ids'

export type PresetId = 'in30m' | 'in1h' | 'tomorrow9' | 'monday9'
export const PRESETS: readonly PresetId[] = ['in30m', 'in1h', 'tomorrow9', 'monday9']

/** The server refuses a `send_at` more than a year ahead; the UI says so before asking. */
export const MAX_AHEAD_MS = 365 * 86_400_000
/** "Send now" asks for a moment ahead: the server wants `send_at` strictly in the future, and the
 *  request takes time to arrive. */
export const SEND_NOW_LEAD_MS = 1500

/** 09:00 local time, `days` calendar days after `now`'s date (a calendar day, not 24 h: DST-safe). */
function nineOClock(now: Date, days: number): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + days, 9, 0, 0, 0).getTime()
}

/**
 * When a preset sends, for a menu opened at `now`:
 * - `in30m`, `in1h`: that much later, to the minute's second as now (the server takes any ms);
 * - `tomorrow9`: 09:00 on the next calendar day, also just after midnight (00:30 → 09:00 of the
 *   following date, not the same morning: "tomorrow" is what the clock's date says);
 * - `monday9`: 09:00 on the next Monday after today; on a Monday that is a week ahead.
 */
export function presetTime(id: PresetId, now: Date): number {
  switch (id) {
    case 'in30m':
      return now.getTime() + 30 * 60_000
    case 'in1h':
      return now.getTime() + 60 * 60_000
    case 'tomorrow9':
      return nineOClock(now, 1)
    case 'monday9': {
      const ahead = ((8 - now.getDay()) % 7) || 7 // getDay(): 0 = Sunday, 1 = Monday
      return nineOClock(now, ahead)
    }
  }
}

export type SendAtProblem = 'past' | 'tooFar' | 'invalid'

/** Why the UI refuses `at` (ms) as a send time at `now`, or null when the server should accept it. */
export function sendAtProblem(at: number, now: number): SendAtProblem | null {
  if (!Number.isFinite(at)) return 'invalid'
  if (at <= now) return 'past'
  if (at > now + MAX_AHEAD_MS) return 'tooFar'
  return null
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The value of an `<input type="datetime-local">` for `ms`, in local time, to the minute. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Ms for a datetime-local value ("2025-01-15T09:30", seconds optional), local time; NaN if unreadable. */
export function fromLocalInput(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim())
  if (!m) return NaN
  const [, y, mo, d, h, mi, s] = m.map(Number)
  const date = new Date(y, mo - 1, d, h, mi, Number.isNaN(s) ? 0 : s, 0)
  // new Date rolls 2025-02-31 over into March: refuse a date that is not on the calendar.
  if (date.getMonth() !== mo - 1 || date.getDate() !== d) return NaN
  return date.getTime()
}

/** The custom picker's first suggestion: the next whole hour at least 15 minutes away. */
export function defaultCustomTime(now: Date): number {
  const d = new Date(now.getTime() + 15 * 60_000)
  d.setMinutes(0, 0, 0)
  d.setHours(d.getHours() + 1)
  return d.getTime()
}

/** The i18n key of a state's label (`scheduled.state.pending`…). */
export function stateLabelKey(state: ScheduledState): string {
  return 'scheduled.state.' + state
}

/** Which actions a scheduled message offers: only a pending one can change; a sending one none. */
export function scheduledActions(m: Pick<ScheduledMessage, 'state'>): { sendNow: boolean; edit: boolean; remove: boolean } {
  const pending = m.state === 'pending'
  return { sendNow: pending, edit: pending, remove: pending || m.state === 'failed' || m.state === 'sent' }
}

/** The list order: failed ones first (they need the author), then soonest first, ids breaking ties. */
export function sortScheduled(list: readonly ScheduledMessage[]): ScheduledMessage[] {
  const rank = (m: ScheduledMessage) => (m.state === 'failed' ? 0 : 1)
  return [...list].sort((a, b) => rank(a) - rank(b) || a.send_at - b.send_at || compareIds(a.id, b.id))
}
