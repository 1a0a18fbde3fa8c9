// The support desk's routes (docs/api.md, "Support desk (SUP)"), typed, on the app's HTTP client.
import { enc, qs, request } from '@/api/client'
import type { Id, Millis } from '@/api/types'
import type { Agent, ContactView, Conversation, ConversationStatus, DeskMessage, EmailRecord, Team } from './types'

export interface ConversationFilter {
  status?: ConversationStatus | 'active'
  /** `me`, `none`, `any` or a user id. */
  assignee?: string
  team?: Id
  /** The conversation of this core chat (the messenger's link to it). */
  chat?: Id
  before?: Id
  limit?: number
}

export const supportApi = {
  list: (f: ConversationFilter = {}, signal?: AbortSignal) =>
    request<{ conversations: Conversation[]; next_before?: Id }>('GET', '/support/conversations' + qs({ ...f }), undefined, signal),
  get: (id: Id) => request<Conversation>('GET', `/support/conversations/${enc(id)}`),
  messages: (id: Id) => request<{ messages: DeskMessage[] }>('GET', `/support/conversations/${enc(id)}/messages`),
  reply: (id: Id, text: string) => request<DeskMessage>('POST', `/support/conversations/${enc(id)}/messages`, { text }),
  note: (id: Id, text: string) => request<DeskMessage>('POST', `/support/conversations/${enc(id)}/notes`, { text }),
  setStatus: (id: Id, status: ConversationStatus, snoozed_until?: Millis) =>
    request<Conversation>('POST', `/support/conversations/${enc(id)}/status`, { status, snoozed_until }),
  assign: (id: Id, agentId: Id | null) => request<Conversation>('POST', `/support/conversations/${enc(id)}/assign`, { agent_id: agentId }),
  autoAssign: (id: Id) => request<Conversation>('POST', `/support/conversations/${enc(id)}/assign`, { auto: true }),
  emails: (id: Id) => request<{ emails: EmailRecord[] }>('GET', `/support/conversations/${enc(id)}/email`),
  contact: (id: Id) => request<ContactView>('GET', `/support/contacts/${enc(id)}`),
  teams: () => request<{ teams: Team[] }>('GET', '/support/teams'),
  agents: () => request<{ agents: Agent[] }>('GET', '/support/agents'),
  setAvailability: (userId: Id, availability: Agent['availability']) =>
    request<Agent>('PUT', `/support/agents/${enc(userId)}/availability`, { availability }),
}
