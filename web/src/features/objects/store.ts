// What the objects section keeps between screens: the object types (names of stages), the routes
// waiting for the user's decision (the rail's badge) and a change counter per object, bumped by the
// object's events, that an open object page watches to reload.
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import type { Id, ServerEvent } from '@/api/types'
import { objectsApi } from './api'
import { objectIdOfTopic } from './logic'
import type { Approval, ObjectType } from './types'

export const useObjects = defineStore('objects', () => {
  const types = shallowRef(new Map<string, ObjectType>())
  const pending = ref<Approval[]>([])
  const pendingState = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  /** object id → changes seen since the page loaded it. */
  const changes = reactive(new Map<Id, number>())
  let typesLoad: Promise<void> | null = null
  let pendingTimer: ReturnType<typeof setTimeout> | null = null

  const pendingCount = computed(() => pending.value.length)

  function loadTypes(force = false): Promise<void> {
    if (!typesLoad || force) {
      typesLoad = objectsApi
        .types()
        .then((r) => {
          types.value = new Map(r.object_types.map((t) => [t.key, t]))
        })
        .catch((e) => {
          typesLoad = null
          throw e
        })
    }
    return typesLoad
  }

  async function loadPending(): Promise<void> {
    if (pendingState.value !== 'ready') pendingState.value = 'loading'
    try {
      pending.value = (await objectsApi.myApprovals()).approvals
      pendingState.value = 'ready'
    } catch {
      pendingState.value = 'error'
    }
  }

  /** Several events of one change (a decision closes a step and opens the next) make one reload. */
  function reloadPendingSoon(): void {
    if (pendingTimer) clearTimeout(pendingTimer)
    pendingTimer = setTimeout(() => {
      pendingTimer = null
      void loadPending()
    }, 150)
  }

  function changed(id: Id): number {
    return changes.get(id) ?? 0
  }

  function onEvent(ev: ServerEvent): void {
    const data = ev.data as { object_id?: Id; id?: Id }
    const id = objectIdOfTopic(ev.topic) ?? data.object_id ?? null
    if (id) changes.set(id, changed(id) + 1)
    if (ev.kind.startsWith('objects.approval_')) reloadPendingSoon()
  }

  function clear(): void {
    if (pendingTimer) clearTimeout(pendingTimer)
    pendingTimer = null
    types.value = new Map()
    typesLoad = null
    pending.value = []
    pendingState.value = 'idle'
    changes.clear()
  }

  return { types, pending, pendingState, pendingCount, loadTypes, loadPending, reloadPendingSoon, changed, onEvent, clear }
})
