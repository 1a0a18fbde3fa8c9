// The SLA clocks the inbox and the conversation page show, by conversation, kept current by the
// support.sla.* events (addressed to the assignee) and a minute tick for "due soon".
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Id } from '@/api/types'
import { slaApi } from './slaApi'
import type { SlaClock, SlaEventData } from './slaTypes'

export const useSla = defineStore('support-sla', () => {
  const clocks = ref<Record<Id, SlaClock[]>>({})
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | null = null

  function startTick(): void {
    if (timer) return
    timer = setInterval(() => (now.value = Date.now()), 30_000)
  }

  /** Loads the clocks of these conversations (those the caller may not see come back empty). */
  async function load(ids: Id[]): Promise<void> {
    startTick()
    now.value = Date.now()
    for (let i = 0; i < ids.length; i += 200) {
      const part = ids.slice(i, i + 200)
      const got = (await slaApi.clocks(part)).clocks
      const next = { ...clocks.value }
      for (const id of part) next[id] = got.filter((k) => k.conversation_id === id)
      clocks.value = next
    }
  }

  function set(id: Id, list: SlaClock[]): void {
    startTick()
    clocks.value = { ...clocks.value, [id]: list }
  }

  /** A support.sla.* event: the cached clock of that metric takes the new state. */
  function apply(kind: string, data: SlaEventData): void {
    const list = clocks.value[data.conversation_id]
    if (!list) return
    now.value = Date.now()
    clocks.value = {
      ...clocks.value,
      [data.conversation_id]: list.map((k) =>
        k.metric !== data.metric ? k : kind === 'support.sla.warning' ? { ...k, warned: true } : { ...k, state: data.state, due_at: data.due_at },
      ),
    }
  }

  function clear(): void {
    clocks.value = {}
    if (timer) clearInterval(timer)
    timer = null
  }

  return { clocks, now, load, set, apply, clear }
})
