import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { api } from '@/api/client'
import type { InteractionAnswer, Message } from '@/api/types'
import { toasts } from '@/shared/toast'
import MessageButtons from './MessageButtons.vue'
import { BOB, message, mountIt, setup } from './testing'

beforeEach(() => {
  setup()
  toasts.value = []
})
afterEach(() => {
  document.body.innerHTML = ''
})

const botMessage = (over: Partial<Message> = {}): Message =>
  message({
    author_id: BOB.id,
    text: 'Approve route 42?',
    buttons: [
      [
        { label: 'Approve', command: '/approve', data: { route: 42 } },
        { label: 'Reject', command: '/reject' },
      ],
      [
        { label: 'Open the route', link: '/objects/42' },
        { label: 'Docs', link: 'https://example.org/docs' },
      ],
    ],
    ...over,
  })

function deferred<T>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('MessageButtons', () => {
  it('renders the rows as a grid of labels', () => {
    const w = mountIt(MessageButtons, { props: { message: botMessage() } })
    const rows = w.findAll('.mb-row').map((r) => r.findAll('button').map((b) => b.text()))
    expect(rows).toEqual([
      ['Approve', 'Reject'],
      ['Open the route', 'Docs'],
    ])
  })

  it('a command button posts its row and column once, even when clicked twice, and shows the alert', async () => {
    const m = botMessage()
    const answer = deferred<InteractionAnswer>()
    const interact = vi.spyOn(api, 'interact').mockReturnValue(answer.promise)
    const w = mountIt(MessageButtons, { props: { message: m } })
    const approve = w.findAll('[data-testid=message-button]')[0]
    await approve.trigger('click')
    await approve.trigger('click')
    expect(interact).toHaveBeenCalledTimes(1)
    expect(interact).toHaveBeenCalledWith(m.id, 0, 0)
    // every button of the message waits while the click is under way
    expect(w.findAll('[data-testid=message-button]').every((b) => b.attributes('disabled') !== undefined)).toBe(true)
    answer.resolve({ interaction_id: 'i1', alert: 'Approved', repeated: false, message: { ...m, text: 'Route 42 approved' } })
    await flushPromises()
    expect(toasts.value.map((t) => t.text)).toEqual(['Approved'])
    expect(w.findAll('[data-testid=message-button]').some((b) => b.attributes('disabled') !== undefined)).toBe(false)
    await w.findAll('[data-testid=message-button]')[1].trigger('click')
    expect(interact).toHaveBeenLastCalledWith(m.id, 0, 1)
  })

  it('an error of the click is a toast, and the buttons come back', async () => {
    vi.spyOn(api, 'interact').mockRejectedValue(new Error('boom'))
    const w = mountIt(MessageButtons, { props: { message: botMessage() } })
    await w.findAll('[data-testid=message-button]')[0].trigger('click')
    await flushPromises()
    expect(toasts.value.map((t) => t.kind)).toEqual(['error'])
    expect(w.get('[data-testid=message-button]').attributes('disabled')).toBeUndefined()
  })

  it('link buttons open their link and never reach the server', async () => {
    const interact = vi.spyOn(api, 'interact')
    const open = vi.spyOn(window, 'open').mockReturnValue(null)
    const w = mountIt(MessageButtons, { props: { message: botMessage() } })
    const push = vi.spyOn(w.router, 'push')
    const buttons = w.findAll('[data-testid=message-button]')
    await buttons[2].trigger('click')
    expect(push).toHaveBeenCalledWith('/objects/42')
    await buttons[3].trigger('click')
    expect(open).toHaveBeenCalledWith('https://example.org/docs', '_blank', 'noopener,noreferrer')
    expect(interact).not.toHaveBeenCalled()
  })
})
