// The desk's live events in the store: a burst of events is one reload, naming every conversation.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ServerEvent } from '@/api/types'
import { useSupport } from './store'

function ev(kind: string, data: Record<string, unknown>): ServerEvent {
  return { type: 'event', pos: 1, kind, topic: 'support_desk:1', data } as unknown as ServerEvent
}

describe('support store: live events', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('coalesces a burst into one change naming each conversation', () => {
    const s = useSupport()
    s.onEvent(ev('support.conversation.assigned', { conversation: { id: '7' }, from: null }))
    s.onEvent(ev('support.conversation.created', { conversation: { id: '7' } }))
    s.onEvent(ev('support.conversation.message', { conversation_id: '9', direction: 'incoming' }))
    expect(s.changes).toBe(0)
    vi.advanceTimersByTime(1100)
    expect(s.changes).toBe(1)
    expect([...s.changed].sort()).toEqual(['7', '9'])
    s.onEvent(ev('support.conversation.assigned', { conversation_id: '9', visible: false }))
    vi.advanceTimersByTime(1100)
    expect(s.changes).toBe(2)
    expect([...s.changed]).toEqual(['9'])
  })

  it('forgets a pending burst on sign-out', () => {
    const s = useSupport()
    s.onEvent(ev('support.conversation.created', { conversation: { id: '7' } }))
    s.clear()
    vi.advanceTimersByTime(1100)
    expect(s.changes).toBe(0)
  })
})
