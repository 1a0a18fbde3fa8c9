import { describe, expect, it } from 'vitest'
import { checkRange, formatSeconds, formatShare, heatmapData, localDate, presetRange, roleTitles, slaBadge } from './slaLogic'
import type { ReportRow, SlaClock } from './slaTypes'

const MIN = 60_000

function clock(over: Partial<SlaClock>): SlaClock {
  return {
    conversation_id: '1', metric: 'frt', state: 'running', threshold_minutes: 60, business_hours_only: false,
    started_at: 0, due_at: 60 * MIN, remaining_ms: null, warn_at_ms_before: 15 * MIN, warned: false, stopped_at: null,
    ...over,
  }
}

describe('the SLA badge', () => {
  it('is nothing before the warning window and "due soon" inside it', () => {
    expect(slaBadge([clock({})], 'open', 10 * MIN)).toBeNull()
    expect(slaBadge([clock({})], 'open', 46 * MIN)).toEqual({ kind: 'soon', metric: 'frt', due_at: 60 * MIN })
    // a warning the server sent counts even if the local clock is early
    expect(slaBadge([clock({ warned: true })], 'open', 0)?.kind).toBe('soon')
  })
  it('shows the closest due clock, and a miss above everything', () => {
    const clocks = [clock({ metric: 'rt', due_at: 50 * MIN, warned: true }), clock({ metric: 'frt', due_at: 55 * MIN, warned: true })]
    expect(slaBadge(clocks, 'open', 0)).toEqual({ kind: 'soon', metric: 'rt', due_at: 50 * MIN })
    expect(slaBadge([...clocks, clock({ metric: 'nrt', state: 'missed' })], 'pending', 0)).toEqual({ kind: 'missed', metric: 'nrt', due_at: null })
    // past due before the breach job ran: missed
    expect(slaBadge([clock({})], 'open', 61 * MIN)?.kind).toBe('missed')
  })
  it('ignores paused, hit and stopped clocks and resolved conversations', () => {
    expect(slaBadge([clock({ state: 'paused', due_at: null, remaining_ms: MIN })], 'pending', 0)).toBeNull()
    expect(slaBadge([clock({ state: 'hit' }), clock({ state: 'stopped', metric: 'rt' })], 'open', 59 * MIN)).toBeNull()
    expect(slaBadge([clock({ state: 'missed' })], 'resolved', 0)).toBeNull()
  })
})

describe('the report period', () => {
  it('takes local days in the zone', () => {
    const t = Date.UTC(2026, 11, 6, 23, 30) // Sunday 23:30 UTC = Monday in Vladivostok
    expect(localDate(t, 'UTC')).toBe('2026-12-06')
    expect(localDate(t, 'Asia/Vladivostok')).toBe('2026-12-07')
    expect(presetRange('7d', t, 'Asia/Vladivostok')).toEqual({ since: '2026-12-01', until: '2026-12-07' })
    expect(presetRange('30d', Date.UTC(2026, 2, 1, 12), 'UTC')).toEqual({ since: '2026-01-31', until: '2026-03-01' })
  })
  it('is checked as the server checks it', () => {
    expect(checkRange('2026-01-01', '2026-01-31')).toBeNull()
    expect(checkRange('2026-02-01', '2026-01-31')).toBe('order')
    expect(checkRange('2026-02-01', 'x')).toBe('order')
    expect(checkRange('2025-01-01', '2025-12-31')).toBeNull()
    expect(checkRange('2024-01-01', '2025-01-01')).toBe('length')
  })
})

describe('the numbers as text', () => {
  const u = { d: 'd', h: 'h', m: 'min', s: 's' }
  it('durations keep two units', () => {
    expect(formatSeconds(null, u)).toBe('—')
    expect(formatSeconds(42.4, u)).toBe('42 s')
    expect(formatSeconds(125, u)).toBe('2 min 5 s')
    expect(formatSeconds(3600, u)).toBe('1 h')
    expect(formatSeconds(3 * 3600 + 61, u)).toBe('3 h 1 min')
    expect(formatSeconds(26 * 3600, u)).toBe('1 d 2 h')
  })
  it('shares are percentages', () => {
    expect(formatShare(null)).toBe('—')
    expect(formatShare(1)).toBe('100%')
    expect(formatShare(0.8333)).toBe('83.3%')
  })
  it('archived roles are marked', () => {
    const row = { roles: [{ name: 'a', title: 'Agent', archived: false }, { name: 'n', title: 'Night', archived: true }] } as ReportRow
    expect(roleTitles(row, 'archived')).toBe('Agent, Night (archived)')
  })
  it('the heatmap becomes [hour, weekday, count] with its max and sum', () => {
    const cells = Array.from({ length: 7 }, () => Array(24).fill(0) as number[])
    cells[0][9] = 3
    cells[6][23] = 1
    const h = heatmapData(cells)
    expect(h.data).toHaveLength(168)
    expect(h.data).toContainEqual([9, 0, 3])
    expect(h.data).toContainEqual([23, 6, 1])
    expect(h.max).toBe(3)
    expect(h.sum).toBe(4)
  })
})
