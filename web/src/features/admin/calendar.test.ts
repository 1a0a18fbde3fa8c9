import { describe, expect, it } from 'vitest'
import en from '@/i18n/en'
import ru from '@/i18n/ru'
import { cellKind, DAY_KINDS, dayError, dayHours, isoDate, monthGrid, rulesByDate, weekdayIndex, weekError } from './calendar'

const office = [...Array(5)].map(() => [
  { start: '09:00', end: '13:00' },
  { start: '14:00', end: '18:00' },
])
const week = [...office, [], []]

describe('working calendar helpers', () => {
  it('lays a month out in weeks starting on Monday', () => {
    const jan = monthGrid(2026, 1) // 1 January 2026 is a Thursday
    expect(weekdayIndex(2026, 1, 1)).toBe(3)
    expect(jan[0].slice(0, 3)).toEqual([null, null, null])
    expect(jan[0][3]).toEqual({ date: '2026-01-01', day: 1, weekday: 3 })
    expect(jan.every((w) => w.length === 7)).toBe(true)
    expect(jan.flat().filter(Boolean)).toHaveLength(31)
    expect(monthGrid(2028, 2).flat().filter(Boolean)).toHaveLength(29)
    expect(isoDate(2026, 3, 9)).toBe('2026-03-09')
  })

  it('colours a date by its rule, else by the week', () => {
    const rules = rulesByDate([
      { date: '2026-01-01', kind: 'holiday', note: '' },
      { date: '2026-01-03', kind: 'working', note: '' },
    ])
    const cells = monthGrid(2026, 1).flat().filter((c) => c !== null)
    const kind = (d: number) => cellKind(cells[d - 1]!, rules, week)
    expect(kind(1)).toBe('holiday')
    expect(kind(2)).toBe('workday') // Friday without a rule
    expect(kind(3)).toBe('working') // a working Saturday
    expect(kind(4)).toBe('weekend')
  })

  it('checks the weekly hours like the server', () => {
    expect(weekError(week)).toBeNull()
    expect(dayError([{ start: '09:00', end: '13:00' }, { start: '12:00', end: '18:00' }])).toBe('calendar.errOverlap')
    expect(dayError([{ start: '18:00', end: '09:00' }])).toBe('calendar.errOrder')
    expect(dayError([{ start: '9:00', end: '18:00' }])).toBe('calendar.errTime')
    expect(dayError([{ start: '09:00', end: '24:30' }])).toBe('calendar.errTime')
    expect(dayError([{ start: '20:00', end: '24:00' }])).toBeNull()
    expect(weekError([[], [], [], [], [], [], []])).toBe('calendar.errEmptyWeek')
    expect(dayHours(office[0])).toBe(8)
  })

  it('names every kind and error in both languages', () => {
    for (const k of [...DAY_KINDS, 'workday', 'weekend'] as const) {
      expect(en.calendar.kinds[k]).toBeTruthy()
      expect(ru.calendar.kinds[k]).toBeTruthy()
    }
    for (const e of ['errTooMany', 'errTime', 'errOrder', 'errOverlap', 'errEmptyWeek'] as const) {
      expect(en.calendar[e]).toBeTruthy()
      expect(ru.calendar[e]).toBeTruthy()
    }
  })
})
