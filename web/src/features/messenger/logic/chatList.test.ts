import { describe, expect, it } from 'vitest'
import { chat as fixtureChat } from '@/api/fixtures'
import type { Chat, Message } from '@/api/types'
import { applyMessageCreated, applyRead, mergeChatMeta, mergeSnapshot } from './chatList'

const chat = (extra: Partial<Chat> = {}): Chat => fixtureChat({ id: 'c', created_by: 'u', member_count: 2, ...extra })
const msg = (id: string, author = 'other'): Message => ({
  id,
  chat_id: 'c',
  author_id: author,
  text: 'x',
  created_at: Number(id),
  deleted: false,
})

describe('chat list reducer', () => {
  it('counts messages from others once each, never a message already seen', () => {
    let c = chat()
    c = applyMessageCreated(c, msg('10'), { myId: 'me', viewing: false })
    c = applyMessageCreated(c, msg('11'), { myId: 'me', viewing: false })
    c = applyMessageCreated(c, msg('11'), { myId: 'me', viewing: false })
    c = applyMessageCreated(c, msg('10'), { myId: 'me', viewing: false })
    expect(c.unread_count).toBe(2)
    expect(c.last_message?.id).toBe('11')
    expect(c.last_activity_at).toBe(11)
  })

  it('does not count while the chat is on screen, nor own messages', () => {
    let c = chat({ unread_count: 3 })
    c = applyMessageCreated(c, msg('10'), { myId: 'me', viewing: true })
    expect(c.unread_count).toBe(3)
    c = applyMessageCreated(c, msg('11', 'me'), { myId: 'me', viewing: false })
    expect(c.unread_count).toBe(0)
  })

  it('does not count messages at or below the read marker', () => {
    const c = applyMessageCreated(chat({ last_read_message_id: '50' }), msg('40'), { myId: 'me', viewing: false })
    expect(c.unread_count).toBe(0)
  })

  it('applies read markers from other devices', () => {
    const c = chat({ unread_count: 2, last_message: msg('12'), last_read_message_id: '10' })
    expect(applyRead(c, '12', null).unread_count).toBe(0)
    expect(applyRead(c, '11', 1).unread_count).toBe(1)
    expect(applyRead(c, '9', 0)).toBe(c)
  })

  it('keeps per-user fields when a chat.updated event has none', () => {
    const cur = chat({ unread_count: 4, my_role: 'owner' })
    const incoming = { ...chat({ name: 'renamed' }) } as Chat
    delete incoming.my_role
    delete incoming.unread_count
    delete incoming.last_read_message_id
    delete incoming.last_message
    const merged = mergeChatMeta(cur, incoming)
    expect(merged).toMatchObject({ name: 'renamed', unread_count: 4, my_role: 'owner' })
  })

  it('a stale snapshot does not roll back a newer live message', () => {
    const live = chat({ last_message: msg('20'), unread_count: 2, last_activity_at: 20 })
    const snap = chat({ last_message: msg('19'), unread_count: 1, last_activity_at: 19 })
    expect(mergeSnapshot(live, snap)).toMatchObject({ unread_count: 2, last_activity_at: 20 })
    const fresh = chat({ last_message: msg('21'), unread_count: 3 })
    expect(mergeSnapshot(live, fresh).unread_count).toBe(3)
  })
})
