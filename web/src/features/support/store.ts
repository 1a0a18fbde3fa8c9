// What the support section keeps between screens: my open conversations (the rail's badge), the
// desk's agents and teams (names for the assign control), and the desk's live events (`support.`,
// docs/api.md "Events"): each one recounts the badge and bumps `changes`, which the inbox and the
// open conversation watch to reload what they show. Events say "this conversation changed", never
// carry text, and arrive in bursts (an assignment and a status at once), so reloads are coalesced.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Id, ServerEvent } from '@/api/types'
import { useSession } from '@/features/auth/session'
import { supportApi } from './api'
import { myOpenCount } from './logic'
import type { Agent, CannedReply, Conversation, Label, Team } from './types'

export const useSupport = defineStore('support', () => {
  const session = useSession()
  const mine = ref<Conversation[]>([])
  const agents = ref<Agent[]>([])
  const teams = ref<Team[]>([])
  const labels = ref<Label[]>([])
  const canned = ref<CannedReply[]>([])
  let deskLoad: Promise<void> | null = null

  /** Only agents may ask the desk anything: everyone else would get 403s. */
  const isAgent = computed(() => session.can('support.agent') || session.can('support.admin'))
  const isAdmin = computed(() => session.can('support.admin'))
  const myId = computed<Id | null>(() => session.me?.id ?? null)
  const openCount = computed(() => myOpenCount(mine.value, myId.value))
  const me = computed(() => agents.value.find((a) => a.user_id === myId.value) ?? null)

  /** Bumped (at most every RELOAD_MS) after support events; `changed` holds the conversations they named. */
  const changes = ref(0)
  const changed = ref<Set<Id>>(new Set())
  let pending: Set<Id> = new Set()
  let recount = false
  let timer: ReturnType<typeof setTimeout> | null = null
  // A busy desk sends a scope-all agent every conversation's events: at most one reload a second.
  const RELOAD_MS = 1000

  function onEvent(ev: ServerEvent): void {
    const data = ev.data as { conversation?: { id?: Id }; conversation_id?: Id }
    const id = data.conversation?.id ?? data.conversation_id
    if (id) pending.add(id)
    // A message changes no count; a new conversation, a status or an assignee may change mine.
    if (ev.kind !== 'support.conversation.message') recount = true
    if (timer) return
    timer = setTimeout(() => {
      timer = null
      changed.value = pending
      pending = new Set()
      changes.value++
      if (recount) void loadMine()
      recount = false
    }, RELOAD_MS)
  }

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

  /** The labels and the canned replies I may use (both change rarely: loaded on demand, reloaded on force). */
  async function loadLabels(): Promise<void> {
    if (!isAgent.value) return
    labels.value = (await supportApi.labels()).labels
  }
  async function loadCanned(): Promise<void> {
    if (!isAgent.value) return
    canned.value = (await supportApi.canned()).canned_replies
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
    if (timer) clearTimeout(timer)
    timer = null
    pending = new Set()
    recount = false
    mine.value = []
    agents.value = []
    teams.value = []
    labels.value = []
    canned.value = []
    deskLoad = null
  }

  return {
    mine, agents, teams, labels, canned, isAgent, isAdmin, myId, me, openCount, changes, changed, onEvent,
    loadMine, loadDesk, loadLabels, loadCanned, teamName, setAvailability, clear,
  }
})
