import { describe, expect, it } from 'vitest'
import {
  parseOrigins,
  allowedStatuses,
  assignable,
  contactName,
  visitorCode,
  inboxFilter,
  messageSide,
  myOpenCount,
  parseStatus,
  parseView,
  preview,
  customSnoozeUntil,
  SNOOZE_PRESETS,
  statusTone,
} from './logic'
import type { Agent } from './types'

describe('the inbox views', () => {
  it('map to the list filters of the API', () => {
    expect(inboxFilter('mine', 'active')).toEqual({ assignee: 'me', status: 'active', before: undefined, limit: 50 })
    expect(inboxFilter('unassigned', 'open', '7', 20)).toEqual({ assignee: 'none', status: 'open', before: '7', limit: 20 })
    expect(inboxFilter('all', 'any').status).toBeUndefined()
    expect(inboxFilter('all', 'any').assignee).toBe('any')
  })
  it('fall back to mine and active on anything unknown in the address', () => {
    expect(parseView('unassigned')).toBe('unassigned')
    expect(parseView('boss')).toBe('mine')
    expect(parseView(undefined)).toBe('mine')
    expect(parseStatus('snoozed')).toBe('snoozed')
    expect(parseStatus(['x'])).toBe('active')
  })
})

describe('statuses', () => {
  it('allow exactly the documented transitions', () => {
    expect(allowedStatuses('open')).toEqual(['pending', 'snoozed', 'resolved'])
    expect(allowedStatuses('pending')).toEqual(['open', 'snoozed', 'resolved'])
    expect(allowedStatuses('snoozed')).toContain('snoozed')
    expect(allowedStatuses('resolved')).toEqual(['open'])
  })
  it('have a tone each', () => {
    expect(statusTone('open')).toBe('accent')
    expect(statusTone('resolved')).toBe('ok')
    expect(statusTone('snoozed')).toBe('')
  })
})

describe('snooze presets', () => {
  it('offers the server presets and refuses a custom time in the past or malformed', () => {
    expect(SNOOZE_PRESETS).toEqual(['until_reply', 'in_1_hour', 'tomorrow', 'next_working_day', 'next_monday'])
    const now = new Date(2026, 11, 2, 15, 0)
    expect(customSnoozeUntil('2026-12-04T10:30', now)).toBe(new Date(2026, 11, 4, 10, 30).getTime())
    expect(customSnoozeUntil('2026-12-01T10:30', now)).toBeNull()
    expect(customSnoozeUntil('', now)).toBeNull()
    expect(customSnoozeUntil('tomorrow', now)).toBeNull()
  })
})

describe('messages and names', () => {
  it('customer, agent reply, and notes (anything else counts as a note)', () => {
    expect(messageSide({ direction: 'incoming' })).toBe('customer')
    expect(messageSide({ direction: 'outgoing' })).toBe('agent')
    expect(messageSide({ direction: 'note' })).toBe('note')
    expect(messageSide({} as never)).toBe('note')
  })
  it('names the customer by name, e-mail, or as a visitor with a short code', () => {
    const contact = { id: '7301234567890123456', inbox_id: '1', name: '', email: 'ivan@example.com', external_id: '', verified: false, created_at: 0 }
    const visitor = (code: string) => `Посетитель #${code}`
    expect(contactName({ contact_id: contact.id, contact: { ...contact, name: ' Иван ' } }, visitor)).toBe('Иван')
    expect(contactName({ contact_id: contact.id, contact }, visitor)).toBe('ivan@example.com')
    expect(contactName({ contact_id: contact.id, contact: { ...contact, email: '  ' } }, visitor)).toBe('Посетитель #3456')
    // without the contact object (a contact's list of conversations): its id
    expect(contactName({ contact_id: '7301234567890009999' }, visitor)).toBe('Посетитель #9999')
    // two visitors of one minute still read differently
    expect(contactName({ contact_id: '7301234567890120001' }, visitor)).not.toBe(contactName({ contact_id: '7301234567890123456' }, visitor))
  })
  it('a visitor code is the last four digits of the id', () => {
    expect(visitorCode('7301234567890123456')).toBe('3456')
    expect(visitorCode('42')).toBe('42')
    expect(visitorCode('')).toBe('—')
  })
  it('previews a message on one line', () => {
    expect(preview('a\n\n b  c')).toBe('a b c')
    expect(preview('x'.repeat(100), 10)).toBe('xxxxxxxxx…')
    expect(preview(undefined)).toBe('')
  })
})

describe('the badge and assignment', () => {
  it('counts my open conversations', () => {
    const list = [
      { status: 'open' as const, assignee_id: '5' },
      { status: 'pending' as const, assignee_id: '5' },
      { status: 'open' as const, assignee_id: '6' },
    ]
    expect(myOpenCount(list, '5')).toBe(1)
    expect(myOpenCount(list, null)).toBe(0)
  })
  it('offers the team’s agents, me first, then the least loaded', () => {
    const a = (user_id: string, open_count: number, team_ids: string[]): Agent => ({ user_id, open_count, team_ids, scope: 'all', availability: 'online', last_assigned_at: null })
    const agents = [a('1', 3, ['t']), a('2', 1, ['t']), a('3', 0, ['u']), a('4', 4, ['t'])]
    expect(assignable(agents, 't', '4').map((x) => x.user_id)).toEqual(['4', '2', '1'])
    expect(assignable(agents, null, null).map((x) => x.user_id)).toEqual(['3', '2', '1', '4'])
  })

  it('reads the allowed origins one a line, or separated by spaces or commas', () => {
    expect(parseOrigins('')).toEqual([])
    expect(parseOrigins(' https://a.example\n\nhttps://b.example, https://a.example ')).toEqual(['https://a.example', 'https://b.example'])
  })
})
