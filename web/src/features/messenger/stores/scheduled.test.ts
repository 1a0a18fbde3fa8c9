import { beforeEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError } from '@/api/client'
import { scheduledMessage as sm } from '@/api/fixtures'
import { setup } from '../components/testing'
import { useScheduled } from './scheduled'

beforeEach(setup)

describe('scheduled store', () => {
  it('loads pending and failed ones; the sent event takes one off, the failed event marks it', async () => {
    vi.spyOn(api, 'scheduledMessages').mockResolvedValue({
      scheduled_messages: [sm({ id: 's1' }), sm({ id: 's2', send_at: Date.now() + 60_000 })],
    })
    const s = useScheduled()
    await s.load()
    expect(s.list.map((m) => m.id)).toEqual(['s2', 's1'])
    expect(s.count).toBe(2)
    s.onEvent(sm({ id: 's2', state: 'sent', message_id: '77', updated_at: 5 }))
    expect(s.list.map((m) => m.id)).toEqual(['s1'])
    s.onEvent(sm({ id: 's1', state: 'failed', failure: { code: 'chat_archived', message: 'archived' }, updated_at: 5 }))
    expect(s.list[0].state).toBe('failed')
    expect(s.failedCount).toBe(1)
    expect(s.countIn('c1')).toBe(0)
  })

  it('an event that arrives while the list loads wins over the older answer', async () => {
    let answer: (v: { scheduled_messages: ReturnType<typeof sm>[] }) => void = () => undefined
    vi.spyOn(api, 'scheduledMessages').mockReturnValue(new Promise((r) => (answer = r)))
    const s = useScheduled()
    const loading = s.load()
    s.onEvent(sm({ id: 's1', state: 'sent', updated_at: 9 }))
    answer({ scheduled_messages: [sm({ id: 's1', updated_at: 1 })] })
    await loading
    expect(s.list).toEqual([])
  })

  it('schedules, edits and cancels through the API', async () => {
    const create = vi.spyOn(api, 'scheduleMessage').mockImplementation(async (chatId, b) => sm({ chat_id: chatId, text: b.text, send_at: b.send_at }))
    const s = useScheduled()
    await s.schedule('c1', 'hi', 5000.4, '42')
    expect(create).toHaveBeenCalledWith('c1', { text: 'hi', send_at: 5000, thread_root_id: '42' })
    vi.spyOn(api, 'updateScheduled').mockImplementation(async (id, p) => sm({ id, text: p.text ?? 'hi', send_at: 9000, updated_at: 2 }))
    await s.update('s1', { text: 'edited' })
    expect(s.list[0].text).toBe('edited')
    const del = vi.spyOn(api, 'deleteScheduled').mockResolvedValue(undefined)
    await s.remove('s1')
    expect(del).toHaveBeenCalledWith('s1')
    expect(s.count).toBe(0)
  })

  it('send now asks for a moment ahead, and further ahead when the server clock is ahead of ours', async () => {
    const s = useScheduled()
    const patch = vi
      .spyOn(api, 'updateScheduled')
      .mockRejectedValueOnce(new ApiError(400, 'invalid_send_at', 'send_at must be in the future'))
      .mockImplementation(async (id, p) => sm({ id, send_at: p.send_at!, updated_at: 3 }))
    const t0 = Date.now()
    await s.sendNow('s1')
    expect(patch).toHaveBeenCalledTimes(2)
    const first = patch.mock.calls[0][1].send_at!
    const second = patch.mock.calls[1][1].send_at!
    expect(first - t0).toBeGreaterThan(0)
    expect(first - t0).toBeLessThan(5000)
    expect(second).toBeGreaterThan(first)
  })

  it('a refused change shows what the record became (sending), a vanished one leaves', async () => {
    const s = useScheduled()
    s.onEvent(sm({ id: 's1' }))
    s.onEvent(sm({ id: 's2' }))
    vi.spyOn(api, 'updateScheduled').mockRejectedValue(new ApiError(409, 'scheduled_message_not_pending', 'not pending'))
    vi.spyOn(api, 'scheduledMessage').mockResolvedValue(sm({ id: 's1', state: 'sending', updated_at: 4 }))
    await expect(s.update('s1', { text: 'x' })).rejects.toThrow()
    expect(s.byId.get('s1')?.state).toBe('sending')
    vi.spyOn(api, 'deleteScheduled').mockRejectedValue(new ApiError(404, 'scheduled_message_not_found', 'gone'))
    await s.remove('s2')
    expect(s.byId.has('s2')).toBe(false)
  })
})
