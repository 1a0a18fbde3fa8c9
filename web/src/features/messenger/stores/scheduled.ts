// The signed-in user's scheduled messages ("send later"): pending and failed ones, loaded once over
// REST and kept current by this client's own calls and the scheduled_message.sent / .failed events.
// A sent one leaves the list: the message itself arrives in its chat as an ordinary message.created.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ApiError } from '@/api/client'
import type { Id, ScheduledMessage } from '@/api/types'
import { SEND_NOW_LEAD_MS, sortScheduled } from '../logic/schedule'

export const useScheduled = defineStore('scheduled', () => {
  const byId = ref(new Map<Id, ScheduledMessage>())
  const loadState = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  /** Events that arrived while a load was on the way: applied over its answer, which may be older. */
  let pendingEvents: ScheduledMessage[] | null = null

  const list = computed(() => sortScheduled(Array.from(byId.value.values())))
  /** What the badge counts: everything still waiting for its author or the clock. */
  const count = computed(() => list.value.length)
  const failedCount = computed(() => list.value.filter((m) => m.state === 'failed').length)

  function countIn(chatId: Id): number {
    let n = 0
    for (const m of byId.value.values()) if (m.chat_id === chatId && m.state !== 'failed') n++
    return n
  }

  function put(m: ScheduledMessage): void {
    const next = new Map(byId.value)
    // A sent one is done: its message is in the chat now.
    if (m.state === 'sent') next.delete(m.id)
    else {
      const cur = next.get(m.id)
      // An answer older than what an event already told must not undo it.
      if (cur && cur.updated_at > m.updated_at) return
      next.set(m.id, m)
    }
    byId.value = next
  }

  function drop(id: Id): void {
    if (!byId.value.has(id)) return
    const next = new Map(byId.value)
    next.delete(id)
    byId.value = next
  }

  async function load(): Promise<void> {
    if (loadState.value === 'loading') return
    loadState.value = 'loading'
    pendingEvents = []
    try {
      const r = await api.scheduledMessages()
      const next = new Map<Id, ScheduledMessage>()
      for (const m of r.scheduled_messages) if (m.state !== 'sent') next.set(m.id, m)
      byId.value = next
      for (const m of pendingEvents) put(m)
      loadState.value = 'ready'
    } catch {
      loadState.value = 'error'
    } finally {
      pendingEvents = null
    }
  }

  function ensureLoaded(): void {
    if (loadState.value === 'idle' || loadState.value === 'error') void load()
  }

  /** The scheduled_message.sent and .failed events. */
  function onEvent(m: ScheduledMessage): void {
    pendingEvents?.push(m)
    put(m)
  }

  async function schedule(chatId: Id, text: string, sendAt: number, threadRootId?: Id): Promise<ScheduledMessage> {
    const m = await api.scheduleMessage(chatId, { text, send_at: Math.round(sendAt), thread_root_id: threadRootId })
    put(m)
    return m
  }

  async function update(id: Id, patch: { text?: string; send_at?: number }): Promise<ScheduledMessage> {
    try {
      const m = await api.updateScheduled(id, patch)
      put(m)
      return m
    } catch (e) {
      await refreshOne(id, e)
      throw e
    }
  }

  /** Moves the send time to just ahead of now; the server's runner posts it at once. */
  async function sendNow(id: Id): Promise<ScheduledMessage> {
    try {
      return await update(id, { send_at: Date.now() + SEND_NOW_LEAD_MS })
    } catch (e) {
      // This browser's clock may be behind the server's: ask again a little further ahead.
      if (e instanceof ApiError && e.code === 'invalid_send_at') return update(id, { send_at: Date.now() + 10 * SEND_NOW_LEAD_MS })
      throw e
    }
  }

  /** Cancels a pending one (never posted) or clears a failed one. */
  async function remove(id: Id): Promise<void> {
    try {
      await api.deleteScheduled(id)
      drop(id)
    } catch (e) {
      if (e instanceof ApiError && e.code === 'scheduled_message_not_found') {
        drop(id)
        return
      }
      await refreshOne(id, e)
      throw e
    }
  }

  /** After a refused change: the record moved on (sending, sent, gone); show what it is now. */
  async function refreshOne(id: Id, e: unknown): Promise<void> {
    if (!(e instanceof ApiError)) return
    if (e.code === 'scheduled_message_not_found') drop(id)
    else if (e.code === 'scheduled_message_not_pending')
      try {
        put(await api.scheduledMessage(id))
      } catch {
        drop(id)
      }
  }

  function clear(): void {
    byId.value = new Map()
    loadState.value = 'idle'
  }

  return { byId, list, count, failedCount, loadState, countIn, load, ensureLoaded, onEvent, schedule, update, sendNow, remove, clear }
})
