import { describe, expect, it } from 'vitest'
import type { ScheduledMessage } from '@/api/types'
import {
  defaultCustomTime,
  fromLocalInput,
  MAX_AHEAD_MS,
  presetTime,
  scheduledActions,
  sendAtProblem,
  sortScheduled,
  stateLabelKey,
  toLocalInput,
} from './schedule'
import en from '@/i18n/en'
import ru from '@/i18n/ru'

// Local time throughout, as the menu shows it: new Date(y, m, d, h, min) is the browser's wall clock.
const at = (y: number, m: number, d: number, h = 0, min = 0) => new Date(y, m - 1, d, h, min)
const local = (ms: number) => {
  const d = new Date(ms)
  return [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getDay()]
}

describe('presetTime', () => {
  it('in 30 minutes and in 1 hour count from now, across midnight too', () => {
    const now = at(2025, 1, 15, 23, 50)
    expect(presetTime('in30m', now) - now.getTime()).toBe(30 * 60_000)
    expect(presetTime('in1h', now) - now.getTime()).toBe(60 * 60_000)
    expect(local(presetTime('in30m', now)).slice(0, 5)).toEqual([2025, 1, 16, 0, 20])
  })

  it('tomorrow 09:00 is the next calendar date, also just before and just after midnight', () => {
    expect(local(presetTime('tomorrow9', at(2025, 1, 15, 14, 0))).slice(0, 5)).toEqual([2025, 1, 16, 9, 0])
    expect(local(presetTime('tomorrow9', at(2025, 1, 15, 23, 59))).slice(0, 5)).toEqual([2025, 1, 16, 9, 0])
    // 00:30: "tomorrow" is the date after today's date, not this very morning.
    expect(local(presetTime('tomorrow9', at(2025, 1, 16, 0, 30))).slice(0, 5)).toEqual([2025, 1, 17, 9, 0])
    // Across a month's and a year's end.
    expect(local(presetTime('tomorrow9', at(2025, 1, 31, 22, 0))).slice(0, 5)).toEqual([2025, 2, 1, 9, 0])
    expect(local(presetTime('tomorrow9', at(2025, 12, 31, 23, 30))).slice(0, 5)).toEqual([2026, 1, 1, 9, 0])
  })

  it('Monday 09:00 is the next Monday from any weekday; on a Monday, the one a week ahead', () => {
    // 2025-01-13 is a Monday; the 13th..19th cover every weekday.
    for (let d = 13; d <= 19; d++)
      for (const h of [0, 8, 9, 23]) {
        const now = at(2025, 1, d, h, 30)
        const [y, m, day, hh, mm, wd] = local(presetTime('monday9', now))
        expect([hh, mm, wd], `from Jan ${d} ${h}:30`).toEqual([9, 0, 1])
        expect([y, m, day], `from Jan ${d} ${h}:30`).toEqual([2025, 1, 20])
      }
    // Sunday night: the next morning.
    expect(local(presetTime('monday9', at(2025, 1, 19, 23, 59))).slice(0, 3)).toEqual([2025, 1, 20])
    // Over a year's end: Wednesday 2025-12-31 → Monday 2026-01-05.
    expect(local(presetTime('monday9', at(2025, 12, 31, 12, 0))).slice(0, 4)).toEqual([2026, 1, 5, 9])
  })

  it('every preset is in the future and accepted by the UI check', () => {
    const now = at(2025, 1, 13, 8, 59)
    for (const id of ['in30m', 'in1h', 'tomorrow9', 'monday9'] as const) expect(sendAtProblem(presetTime(id, now), now.getTime())).toBeNull()
  })
})

describe('sendAtProblem', () => {
  const now = at(2025, 1, 15, 12, 0).getTime()
  it('refuses the past and now itself, a time over a year ahead, and garbage', () => {
    expect(sendAtProblem(now - 1, now)).toBe('past')
    expect(sendAtProblem(now, now)).toBe('past')
    expect(sendAtProblem(now + 1, now)).toBeNull()
    expect(sendAtProblem(now + MAX_AHEAD_MS, now)).toBeNull()
    expect(sendAtProblem(now + MAX_AHEAD_MS + 1, now)).toBe('tooFar')
    expect(sendAtProblem(NaN, now)).toBe('invalid')
  })
})

describe('datetime-local values', () => {
  it('round-trips local time to the minute', () => {
    const ms = at(2025, 3, 9, 7, 5).getTime()
    expect(toLocalInput(ms)).toBe('2025-03-09T07:05')
    expect(fromLocalInput('2025-03-09T07:05')).toBe(ms)
    expect(fromLocalInput('2025-03-09T07:05:30')).toBe(ms + 30_000)
  })
  it('reads nothing from an empty, malformed or impossible value', () => {
    expect(fromLocalInput('')).toBeNaN()
    expect(fromLocalInput('tomorrow')).toBeNaN()
    expect(fromLocalInput('2025-02-31T10:00')).toBeNaN()
  })
  it('suggests the next whole hour at least 15 minutes away', () => {
    expect(local(defaultCustomTime(at(2025, 1, 15, 10, 20))).slice(3, 5)).toEqual([11, 0])
    expect(local(defaultCustomTime(at(2025, 1, 15, 10, 50))).slice(3, 5)).toEqual([12, 0])
    expect(local(defaultCustomTime(at(2025, 1, 15, 23, 50))).slice(0, 5)).toEqual([2025, 1, 16, 1, 0])
  })
})

const sm = (id: string, over: Partial<ScheduledMessage> = {}): ScheduledMessage => ({
  id,
  chat_id: 'c1',
  author_id: 'u1',
  thread_root_id: null,
  text: 'later',
  send_at: 1000,
  state: 'pending',
  message_id: null,
  failure: null,
  created_at: 0,
  updated_at: 0,
  sent_at: null,
  ...over,
})

describe('states', () => {
  it('every state has a label in both languages', () => {
    for (const s of ['pending', 'sending', 'sent', 'failed'] as const) {
      const key = stateLabelKey(s).split('.')
      expect(key.slice(0, 2)).toEqual(['scheduled', 'state'])
      expect(en.scheduled.state[s]).toBeTruthy()
      expect(ru.scheduled.state[s]).toBeTruthy()
    }
    expect(en.scheduled.state.failed).toBe('Failed')
    expect(ru.scheduled.state.pending).toBe('Запланировано')
  })

  it('only a pending one can be sent now or edited; a sending one offers nothing', () => {
    expect(scheduledActions({ state: 'pending' })).toEqual({ sendNow: true, edit: true, remove: true })
    expect(scheduledActions({ state: 'sending' })).toEqual({ sendNow: false, edit: false, remove: false })
    expect(scheduledActions({ state: 'failed' })).toEqual({ sendNow: false, edit: false, remove: true })
  })

  it('lists failed ones first, then soonest first, then by id', () => {
    const list = [sm('10', { send_at: 3000 }), sm('9', { send_at: 2000 }), sm('12', { send_at: 9000, state: 'failed' }), sm('11', { send_at: 2000 })]
    expect(sortScheduled(list).map((m) => m.id)).toEqual(['12', '9', '11', '10'])
  })
})
