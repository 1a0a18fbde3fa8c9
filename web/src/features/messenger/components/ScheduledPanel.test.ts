import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { api } from '@/api/client'
import { useChats } from '../stores/chats'
import { useScheduled } from '../stores/scheduled'
import ScheduledPanel from './ScheduledPanel.vue'
import { chat, mountIt, scheduledMessage as sm, setup } from './testing'

beforeEach(setup)
afterEach(() => {
  document.body.innerHTML = ''
})

async function mountPanel(list: ReturnType<typeof sm>[]) {
  useChats().upsert(chat({ id: 'c1', name: 'general' }))
  vi.spyOn(api, 'scheduledMessages').mockResolvedValue({ scheduled_messages: list })
  const w = mountIt(ScheduledPanel)
  await flushPromises()
  return w
}

describe('ScheduledPanel', () => {
  it('says so when nothing is scheduled', async () => {
    const w = await mountPanel([])
    expect(w.text()).toContain('Nothing scheduled')
  })

  it('lists a pending one with its chat, time and text, and a failed one with the reason', async () => {
    const w = await mountPanel([
      sm({ id: 's1', text: 'Reminder: standup' }),
      sm({ id: 's2', state: 'failed', failure: { code: 'chat_archived', message: 'chat is archived' } }),
    ])
    const items = w.findAll('[data-testid=scheduled-item]')
    expect(items.map((i) => i.attributes('data-id'))).toEqual(['s2', 's1'])
    expect(items[1].text()).toContain('#general')
    expect(items[1].get('[data-testid=scheduled-text]').text()).toBe('Reminder: standup')
    expect(items[1].find('[data-testid=scheduled-send-now]').exists()).toBe(true)
    expect(items[0].text()).toContain('Not sent: the chat was archived.')
    expect(items[0].get('[data-testid=scheduled-state]').text()).toBe('Failed')
    expect(items[0].find('[data-testid=scheduled-send-now]').exists()).toBe(false)
    expect(items[0].find('[data-testid=scheduled-remove]').exists()).toBe(true)
  })

  it('cancels only after the confirmation', async () => {
    const del = vi.spyOn(api, 'deleteScheduled').mockResolvedValue(undefined)
    const w = await mountPanel([sm({ id: 's1' })])
    await w.get('[data-testid=scheduled-cancel]').trigger('click')
    expect(del).not.toHaveBeenCalled()
    await w.get('[data-testid=scheduled-keep]').trigger('click')
    expect(w.find('[data-testid=scheduled-confirm-cancel]').exists()).toBe(false)
    await w.get('[data-testid=scheduled-cancel]').trigger('click')
    await w.get('[data-testid=scheduled-confirm-cancel]').trigger('click')
    await flushPromises()
    expect(del).toHaveBeenCalledWith('s1')
    expect(w.findAll('[data-testid=scheduled-item]')).toHaveLength(0)
  })

  it('send now moves send_at to just ahead; the sent event then empties the list', async () => {
    const patch = vi.spyOn(api, 'updateScheduled').mockImplementation(async (id, p) => sm({ id, send_at: p.send_at!, updated_at: 2 }))
    const w = await mountPanel([sm({ id: 's1' })])
    await w.get('[data-testid=scheduled-send-now]').trigger('click')
    await flushPromises()
    expect(patch.mock.calls[0][1].send_at! - Date.now()).toBeLessThan(5000)
    useScheduled().onEvent(sm({ id: 's1', state: 'sent', updated_at: 3 }))
    await flushPromises()
    expect(w.findAll('[data-testid=scheduled-item]')).toHaveLength(0)
  })
})
