// Pure helpers of the SLA badges and the reports dashboard: which badge a conversation shows, the
// period presets as report parameters, durations and shares as text, the heatmap as chart data.
import type { Millis } from '@/api/types'
import type { ConversationStatus } from './types'
import type { ReportRow, SlaClock, SlaMetric } from './slaTypes'

export interface SlaBadge {
  kind: 'missed' | 'soon'
  metric: SlaMetric
  /** The due time of a running clock (absent for a miss). */
  due_at: Millis | null
}

const METRIC_ORDER: SlaMetric[] = ['frt', 'nrt', 'rt']

/** What the inbox row and the conversation page show: a missed clock while the conversation is not
 *  resolved, else the running clock closest to its due time once it is in its warning window (or
 *  past due, before the breach job has marked it). Nothing otherwise. */
export function slaBadge(clocks: readonly SlaClock[], status: ConversationStatus, now: Millis): SlaBadge | null {
  if (status === 'resolved') return null
  const missed = METRIC_ORDER.map((m) => clocks.find((k) => k.metric === m && k.state === 'missed')).find(Boolean)
  if (missed) return { kind: 'missed', metric: missed.metric, due_at: null }
  let best: SlaClock | null = null
  for (const k of clocks) {
    if (k.state !== 'running' || k.due_at === null) continue
    const inWindow = k.warned || k.due_at - now <= k.warn_at_ms_before
    if (!inWindow) continue
    if (!best || k.due_at < (best.due_at ?? Infinity)) best = k
  }
  if (!best) return null
  if (best.due_at! <= now) return { kind: 'missed', metric: best.metric, due_at: null }
  return { kind: 'soon', metric: best.metric, due_at: best.due_at }
}

export type PeriodPreset = '7d' | '30d' | '90d' | 'custom'
export const PERIOD_PRESETS: readonly PeriodPreset[] = ['7d', '30d', '90d', 'custom']

/** The local date (YYYY-MM-DD) of an instant in an IANA zone. */
export function localDate(ms: Millis, tz: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')}`
}

/** The last `days` local days up to today, as the report's `since` and `until` dates (until inclusive). */
export function presetRange(preset: Exclude<PeriodPreset, 'custom'>, now: Millis, tz: string): { since: string; until: string } {
  const days = preset === '7d' ? 7 : preset === '30d' ? 30 : 90
  const until = localDate(now, tz)
  const [y, m, d] = until.split('-').map(Number)
  const start = new Date(Date.UTC(y, m - 1, d - (days - 1)))
  return { since: start.toISOString().slice(0, 10), until }
}

/** A range the server accepts: dates in order, at most 366 days (else the key of what is wrong). */
export function checkRange(since: string, until: string): 'order' | 'length' | null {
  const re = /^\d{4}-\d{2}-\d{2}$/
  if (!re.test(since) || !re.test(until) || since > until) return 'order'
  const days = (Date.parse(until) - Date.parse(since)) / 86_400_000 + 1
  return days > 366 ? 'length' : null
}

export interface DurationUnits {
  d: string
  h: string
  m: string
  s: string
}

/** "2 h 05 min"-like text of seconds, two units at most; "—" for no data. */
export function formatSeconds(seconds: number | null | undefined, u: DurationUnits): string {
  if (seconds === null || seconds === undefined) return '—'
  const s = Math.round(seconds)
  if (s < 60) return `${s} ${u.s}`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} ${u.m}${s % 60 ? ` ${s % 60} ${u.s}` : ''}`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h} ${u.h}${m % 60 ? ` ${m % 60} ${u.m}` : ''}`
  const d = Math.floor(h / 24)
  return `${d} ${u.d}${h % 24 ? ` ${h % 24} ${u.h}` : ''}`
}

/** A share 0..1 as a percentage ("87%", "—" for none). */
export function formatShare(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—'
  return `${Math.round(v * 1000) / 10}%`
}

/** An agent's roles for the table: archived ones marked. */
export function roleTitles(row: ReportRow, archivedMark: string): string {
  return (row.roles ?? []).map((r) => (r.archived ? `${r.title} (${archivedMark})` : r.title)).join(', ')
}

/** The heatmap's cells as ECharts data: [hour, weekday, count], and the largest count. */
export function heatmapData(cells: readonly (readonly number[])[]): { data: [number, number, number][]; max: number; sum: number } {
  const data: [number, number, number][] = []
  let max = 0
  let sum = 0
  cells.forEach((day, weekday) =>
    day.forEach((v, hour) => {
      data.push([hour, weekday, v])
      max = Math.max(max, v)
      sum += v
    }),
  )
  return { data, max, sum }
}

/** The browser's IANA zone, UTC when it has none. */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}
