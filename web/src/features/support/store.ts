// What the support section keeps between screens: my open conversations (the rail's badge), the
// desk's agents and teams (names for the assign control). No support events exist yet: pages reload
// after their own actions and on the refresh button, and tell the store to recount.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Id } from '@/api/types'
import { useSession } from '@/features/auth/session'
import { supportApi } from './api'
import { myOpenCount } from './logic'
import type { Agent, Conversation, Team } from './types'

export const useSupport = defineStore('support', () => {
  const session = useSession()
  const mine = ref<Conversation[]>([])
  const agents = ref<Agent[]>([])
  const teams = ref<Team[]>([])
  let deskLoad: Promise<void> | null = null

  /** Only agents may ask the desk anything: everyone else would get 403s. */
  const isAgent = computed(() => session.can('support.agent') || session.can('support.admin'))
  const isAdmin = computed(() => session.can('support.admin'))
  const myId = computed<Id | null>(() => session.me?.id ?? null)
  const openCount = computed(() => myOpenCount(mine.value, myId.value))
  const me = computed(() => agents.value.find((a) => a.user_id === myId.value) ?? null)

  async function loadMine(): Promise<void> {
    if (!isAgent.value) return
    try {
      mine.value = (await supportApi.list({ assignee: 'me', status: 'open', limit: 200 })).conversations
    } catch {
      /* the badge just stays as it was */
    }
  }

  function loadDesk(force = false): Promise<void> {
    if (!isAgent.value) return Promise.resolve()
    if (!deskLoad || force) {
      deskLoad = Promise.all([supportApi.agents(), supportApi.teams()])
        .then(([a, t]) => {
          agents.value = a.agents
          teams.value = t.teams
        })
        .catch((e) => {
          deskLoad = null
          throw e
        })
    }
    return deskLoad
  }

  function teamName(id: Id | null): string {
    return (id && teams.value.find((t) => t.id === id)?.name) || ''
  }

  async function setAvailability(v: Agent['availability']): Promise<void> {
    if (!myId.value) return
    const a = await supportApi.setAvailability(myId.value, v)
    agents.value = agents.value.map((x) => (x.user_id === a.user_id ? a : x))
    // Going online takes queued conversations.
    void loadMine()
  }

  function clear(): void {
    mine.value = []
    agents.value = []
    teams.value = []
    deskLoad = null
  }

  return { mine, agents, teams, isAgent, isAdmin, myId, me, openCount, loadMine, loadDesk, teamName, setAvailability, clear }
})
