// The expert network's shared state: the caller's place in it (`/experts/me`: moderator, curator
// and expert roles by community), the communities by id (for names in lists), and a counter that the
// open pages watch to reload what an `experts.` event changed.
import { defineStore } from 'pinia'
import { computed, ref, shallowReactive } from 'vue'
import type { Id, ServerEvent } from '@/api/types'
import { expertsApi } from './api'
import { isModerator, seesReviewQueue } from './logic'
import type { Community, ExpertsMe } from './types'

export const useExperts = defineStore('experts', () => {
  const me = ref<ExpertsMe | null>(null)
  const communities = shallowReactive(new Map<Id, Community>())
  /** Bumped by every application event: the pages showing applications reload. */
  const applicationChanges = ref(0)
  /** Bumped by every consultation event: the registry and an open request reload. */
  const consultationChanges = ref(0)
  /** Bumped by role, subscription and profile events. */
  const memberChanges = ref(0)
  const moderator = computed(() => isModerator(me.value))
  const curator = computed(() => seesReviewQueue(me.value))

  async function loadMe(): Promise<void> {
    try {
      me.value = await expertsApi.me()
    } catch {
      /* the section works without it: no curator or moderator controls */
    }
  }

  async function loadCommunities(): Promise<Community[]> {
    const r = await expertsApi.communities()
    for (const c of r.communities) communities.set(c.id, c)
    return r.communities
  }

  function upsert(c: Community): void {
    communities.set(c.id, c)
  }

  function communityTitle(id: Id): string {
    return communities.get(id)?.title ?? '…'
  }

  function onEvent(ev: ServerEvent): void {
    if (ev.kind.startsWith('experts.application.')) applicationChanges.value++
    else if (ev.kind.startsWith('experts.consultation.')) consultationChanges.value++
    else {
      memberChanges.value++
      if (ev.kind === 'experts.roles_changed' || ev.kind === 'experts.subscription_changed') void loadMe()
    }
  }

  function clear(): void {
    me.value = null
    communities.clear()
  }

  return { me, communities, applicationChanges, consultationChanges, memberChanges, moderator, curator, loadMe, loadCommunities, upsert, communityTitle, onEvent, clear }
})
