// Pure helpers of the admin "Working calendar" section: the month grids of a year (Monday first),
// what a date is (its rule, or what the week makes of it), and checks of the weekly hours that
// mirror the server's (docs/api.md "Business calendar"), so that a mistake shows before saving.
import type { CalendarDay, CalendarDayKind, WorkInterval } from '@/api/types'

export const DAY_KINDS: readonly CalendarDayKind[] = ['holiday', 'day_off', 'working', 'shortened']
/** What a cell shows: a rule's kind, or the week's plain working day or weekend. */
export type CellKind = CalendarDayKind | 'workday' | 'weekend'
export const MAX_INTERVALS = 8

export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** Monday = 0 … Sunday = 6, for a date given by its parts (no time zone involved). */
export function weekdayIndex(year: number, month: number, day: number): number {
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7
}

export interface Cell {
  date: string
  day: number
  weekday: number
}

/** The weeks of a month (1–12), each of 7 cells, null outside the month. */
export function monthGrid(year: number, month: number): (Cell | null)[][] {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
  const weeks: (Cell | null)[][] = []
  let row: (Cell | null)[] = Array(weekdayIndex(year, month, 1)).fill(null)
  for (let d = 1; d <= days; d++) {
    row.push({ date: isoDate(year, month, d), day: d, weekday: weekdayIndex(year, month, d) })
    if (row.length === 7) {
      weeks.push(row)
      row = []
    }
  }
  if (row.length) weeks.push([...row, ...Array(7 - row.length).fill(null)])
  return weeks
}

export function rulesByDate(days: CalendarDay[]): Map<string, CalendarDay> {
  return new Map(days.map((d) => [d.date, d]))
}

export function cellKind(cell: Cell, rules: Map<string, CalendarDay>, week: WorkInterval[][]): CellKind {
  const rule = rules.get(cell.date)
  if (rule) return rule.kind
  return (week[cell.weekday]?.length ?? 0) > 0 ? 'workday' : 'weekend'
}

export function minutes(hhmm: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm)
  if (!m) return null
  const h = Number(m[1])
  const min = Number(m[2])
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null
  return h * 60 + min
}

/** The i18n key of what is wrong with a day's intervals, or null. */
export function dayError(day: WorkInterval[]): string | null {
  if (day.length > MAX_INTERVALS) return 'calendar.errTooMany'
  let prevEnd = -1
  for (const iv of day) {
    const s = minutes(iv.start)
    const e = minutes(iv.end)
    if (s === null || e === null) return 'calendar.errTime'
    if (s >= e) return 'calendar.errOrder'
    if (s < prevEnd) return 'calendar.errOverlap'
    prevEnd = e
  }
  return null
}

/** The i18n key of what is wrong with a week, or null. */
export function weekError(week: WorkInterval[][]): string | null {
  for (const d of week) {
    const e = dayError(d)
    if (e) return e
  }
  return week.some((d) => d.length > 0) ? null : 'calendar.errEmptyWeek'
}

/** Hours of working time in a day, for the summary beside it ("8 h", "7.5 h"). */
export function dayHours(day: WorkInterval[]): number {
  return day.reduce((sum, iv) => sum + Math.max(0, (minutes(iv.end) ?? 0) - (minutes(iv.start) ?? 0)), 0) / 60
}

export function cloneWeek(week: WorkInterval[][]): WorkInterval[][] {
  return week.map((d) => d.map((iv) => ({ ...iv })))
}
