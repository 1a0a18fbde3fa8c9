import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { api } from '@/api/client'
import type { BusinessCalendar } from '@/api/types'
import { mountIt, setup } from '@/features/messenger/components/testing'
import CalendarSection from './CalendarSection.vue'

const office = [...Array(5)].map(() => [
  { start: '09:00', end: '13:00' },
  { start: '14:00', end: '18:00' },
])
const cal: BusinessCalendar = {
  id: '7',
  name: 'Russia, 5-day week',
  time_zone: 'Europe/Moscow',
  week: [...office, [], []],
  is_default: true,
  created_at: 1,
  updated_at: 1,
}

beforeEach(() => {
  setup()
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2026-06-01T12:00:00Z'))
})
afterEach(() => {
  vi.useRealTimers()
  document.body.innerHTML = ''
})

describe('CalendarSection', () => {
  it('colours the seeded days and marks a clicked day off', async () => {
    vi.spyOn(api, 'calendars').mockResolvedValue({ calendars: [cal] })
    const days = vi.spyOn(api, 'calendarDays').mockResolvedValue({ year: 2026, days: [{ date: '2026-01-01', kind: 'holiday', note: '' }] })
    const set = vi.spyOn(api, 'setCalendarDay').mockResolvedValue({ date: '2026-03-10', kind: 'day_off', note: '' })
    const w = mountIt(CalendarSection)
    await flushPromises()
    expect(days).toHaveBeenCalledWith('7', 2026)
    expect(w.get('.dcell[data-date="2026-01-01"]').attributes('data-kind')).toBe('holiday')
    expect(w.get('.dcell[data-date="2026-01-03"]').attributes('data-kind')).toBe('weekend')
    expect(w.get('.dcell[data-date="2026-03-10"]').attributes('data-kind')).toBe('workday')
    await w.get('.dcell[data-date="2026-03-10"]').trigger('click')
    await w.get('[data-testid=day-panel] button[data-kind=day_off]').trigger('click')
    await flushPromises()
    expect(set).toHaveBeenCalledWith('7', '2026-03-10', 'day_off', '')
    expect(w.get('.dcell[data-date="2026-03-10"]').attributes('data-kind')).toBe('day_off')
  })

  it('refuses to save overlapping hours and saves a split shift', async () => {
    vi.spyOn(api, 'calendars').mockResolvedValue({ calendars: [cal] })
    vi.spyOn(api, 'calendarDays').mockResolvedValue({ year: 2026, days: [] })
    const update = vi.spyOn(api, 'updateCalendar').mockImplementation(async (_id, p) => ({ ...cal, week: p.week! }))
    const w = mountIt(CalendarSection)
    await flushPromises()
    const save = w.get('[data-testid=save-week]')
    expect(save.attributes('disabled')).toBeDefined() // nothing changed yet
    await w.get('[data-testid=add-interval-5]').trigger('click')
    const sat = () => w.findAll('.wday[data-weekday="5"] input.time')
    await sat()[0].setValue('10:00')
    await sat()[1].setValue('14:00')
    await w.get('[data-testid=add-interval-5]').trigger('click')
    await sat()[2].setValue('13:00')
    await sat()[3].setValue('15:00')
    expect(w.get('.week-foot .err').text()).toContain('overlap')
    expect(save.attributes('disabled')).toBeDefined()
    await sat()[2].setValue('14:00')
    expect(w.find('.week-foot .err').exists()).toBe(false)
    await save.trigger('click')
    await flushPromises()
    expect(update).toHaveBeenCalledTimes(1)
    expect(update.mock.calls[0][1].week![5]).toEqual([
      { start: '10:00', end: '14:00' },
      { start: '14:00', end: '15:00' },
    ])
  })

  it('creates a calendar and selects it', async () => {
    vi.spyOn(api, 'calendars').mockResolvedValue({ calendars: [cal] })
    const days = vi.spyOn(api, 'calendarDays').mockResolvedValue({ year: 2026, days: [] })
    const made: BusinessCalendar = { ...cal, id: '8', name: 'Support', time_zone: 'Asia/Yekaterinburg', is_default: false }
    const create = vi.spyOn(api, 'createCalendar').mockResolvedValue(made)
    const w = mountIt(CalendarSection)
    await flushPromises()
    await w.get('[data-testid=calendar-new]').trigger('click')
    await w.get('[data-testid=calendar-new-name]').setValue(' Support ')
    await w.get('[data-testid=calendar-new-zone]').setValue('Asia/Yekaterinburg')
    await w.get('[data-testid=calendar-create]').trigger('submit')
    await flushPromises()
    expect(create).toHaveBeenCalledWith({ name: 'Support', time_zone: 'Asia/Yekaterinburg' })
    expect((w.get('[data-testid=calendar-select]').element as HTMLSelectElement).value).toBe('8')
    expect(days).toHaveBeenLastCalledWith('8', 2026)
    expect(w.text()).toContain('Asia/Yekaterinburg')
    // The new one is not the default: it can be made so, and the list is read again.
    const list = vi.spyOn(api, 'calendars').mockResolvedValue({ calendars: [{ ...made, is_default: true }, { ...cal, is_default: false }] })
    const update = vi.spyOn(api, 'updateCalendar').mockResolvedValue({ ...made, is_default: true })
    await w.get('[data-testid=calendar-make-default]').trigger('click')
    await flushPromises()
    expect(update).toHaveBeenCalledWith('8', { is_default: true })
    expect(list).toHaveBeenCalled()
    expect(w.find('[data-testid=calendar-make-default]').exists()).toBe(false)
  })

  it('shows the error state with a retry, and the empty state', async () => {
    const list = vi.spyOn(api, 'calendars').mockRejectedValueOnce(new Error('offline')).mockResolvedValue({ calendars: [] })
    const w = mountIt(CalendarSection)
    await flushPromises()
    expect(w.find('[data-testid=calendar-months]').exists()).toBe(false)
    await w.get('.state button').trigger('click')
    await flushPromises()
    expect(list).toHaveBeenCalledTimes(2)
    expect(w.get('.state').text()).toContain('There are no calendars yet.')
  })
})
