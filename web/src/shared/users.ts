// Users and their presence, shared by the shell and every feature: the app's real-time layer keeps
// it current (`user.updated` events, `presence` frames); features read names and avatars from it.
import { defineStore } from 'pinia'
import { ref, shallowReactive } from 'vue'
import { api } from '@/api/client'
import type { Id, Presence, User } from '@/api/types'

export const useUsers = defineStore('users', () => {
  const byId = shallowReactive(new Map<Id, User>())
  const inflight = new Map<Id, Promise<User | null>>()
  /** Bumped on every `user.updated` event, so that lists holding copies of users can refresh. */
  const updates = ref(0)

  function upsert(u: User): void {
    byId.set(u.id, u)
  }

  /** A `user.updated` event. */
  function onUpdated(u: User): void {
    upsert(u)
    updates.value++
  }

  function upsertMany(list: readonly User[]): void {
    for (const u of list) byId.set(u.id, u)
  }

  /** The cached user; triggers a fetch when unknown (the map is reactive, so views update). */
  function get(id: Id | undefined | null): User | undefined {
    if (!id) return undefined
    const u = byId.get(id)
    if (!u) void fetch(id)
    return u
  }

  function fetch(id: Id): Promise<User | null> {
    let p = inflight.get(id)
    if (!p) {
      p = api
        .user(id)
        .then((u) => {
          upsert(u)
          return u
        })
        .catch(() => null)
        .finally(() => inflight.delete(id))
      inflight.set(id, p)
    }
    return p
  }

  function setPresence(id: Id, presence: Presence): void {
    const u = byId.get(id)
    if (u && u.presence !== presence) byId.set(id, { ...u, presence })
  }

  function clear(): void {
    byId.clear()
  }

  return { byId, updates, get, fetch, upsert, onUpdated, upsertMany, setPresence, clear }
})

export function displayName(u: User | undefined, fallback = '…'): string {
  if (!u) return fallback
  return u.display_name?.trim() || u.username
}
