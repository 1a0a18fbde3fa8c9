import { describe, expect, it } from 'vitest'
import type { Message } from '@/api/types'
import { compareIds } from './ids'
import { addPending, emptyTimeline, markDeleted, mergePage, setPendingState, updateMessage, upsertMessage } from './timeline'

const msg = (id: string, extra: Partial<Message> = {}): Message => ({
  id,
  chat_id: 'c',
  author_id: 'me',
  text: 't' + id,
  created_at: Number(id),
  deleted: false,
  ...extra,
})
const pending = (client_id: string) => ({
  client_id,
  chat_id: 'c',
  author_id: 'me',
  text: 'hello',
  created_at: 1,
  state: 'sending' as const,
})

describe('ids', () => {
  it('compares 64-bit decimal strings without precision loss', () => {
    expect(compareIds('9007199254740993', '9007199254740992')).toBeGreaterThan(0)
    expect(compareIds('99', '100')).toBeLessThan(0)
    expect(compareIds('382775686986727424', '382775686986727424')).toBe(0)
  })
})

describe('timeline', () => {
  it('replaces the optimistic message when the POST answer arrives first, then ignores the event', () => {
    let tl = addPending(emptyTimeline(), pending('u1'))
    const real = msg('100', { client_id: 'u1' })
    tl = upsertMessage(tl, real) // POST answer
    tl = upsertMessage(tl, { ...real }) // message.created event
    expect(tl.pending).toHaveLength(0)
    expect(tl.messages.map((m) => m.id)).toEqual(['100'])
  })

  it('replaces the optimistic message when the event arrives before the POST answer', () => {
    let tl = addPending(emptyTimeline(), pending('u1'))
    const real = msg('100', { client_id: 'u1' })
    tl = upsertMessage(tl, real) // event
    expect(tl.pending).toHaveLength(0)
    tl = upsertMessage(tl, real) // POST answer
    expect(tl.messages).toHaveLength(1)
  })

  it("does not drop someone else's pending message with the same client_id", () => {
    let tl = addPending(emptyTimeline(), pending('same'))
    tl = upsertMessage(tl, msg('5', { client_id: 'same', author_id: 'other' }))
    expect(tl.pending).toHaveLength(1)
  })

  it('keeps messages sorted and unique across history pages and live events', () => {
    let tl = emptyTimeline()
    tl = mergePage(tl, [msg('10'), msg('11'), msg('12')])
    tl = upsertMessage(tl, msg('13'))
    tl = mergePage(tl, [msg('7'), msg('8'), msg('10')])
    tl = upsertMessage(tl, msg('9'))
    tl = upsertMessage(tl, msg('13'))
    expect(tl.messages.map((m) => m.id)).toEqual(['7', '8', '9', '10', '11', '12', '13'])
  })

  it('a history page that contains a pending message confirms it', () => {
    let tl = addPending(emptyTimeline(), pending('u2'))
    tl = mergePage(tl, [msg('20', { client_id: 'u2' })])
    expect(tl.pending).toHaveLength(0)
  })

  it('marks failures and deletes softly', () => {
    let tl = addPending(emptyTimeline(), pending('u3'))
    tl = setPendingState(tl, 'u3', 'failed')
    expect(tl.pending[0].state).toBe('failed')
    tl = mergePage(tl, [msg('1', { reactions: [{ emoji: '👍', count: 1, user_ids: ['me'], me: true }] })])
    tl = markDeleted(tl, '1')
    expect(tl.messages[0]).toMatchObject({ deleted: true, text: '', reactions: [] })
  })

  it('ignores updates outside the loaded window and returns the same object', () => {
    const tl = mergePage(emptyTimeline(), [msg('5')])
    expect(updateMessage(tl, msg('6'))).toBe(tl)
    expect(updateMessage(tl, msg('5', { text: 'edited' })).messages[0].text).toBe('edited')
  })
})
