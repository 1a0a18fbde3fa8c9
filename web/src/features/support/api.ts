// The support desk's routes (docs/api.md, "Support desk (SUP)"), typed, on the app's HTTP client.
import { enc, qs, request } from '@/api/client'
import type { Id, Millis } from '@/api/types'
import type { Agent, CannedReply, CannedScope, Contact, ContactIdentity, ContactView, Conversation, ConversationStatus, DeskMessage, EmailRecord, Inbox, Label, Team, Topic } from './types'

export interface ConversationFilter {
  status?: ConversationStatus | 'active'
  /** `me`, `none`, `any` or a user id. */
  assignee?: string
  team?: Id
  /** The conversation of this core chat (the messenger's link to it). */
  chat?: Id
  label?: Id
  deleted?: 'true'
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
  /** A snooze preset resolved on the server through the team's business calendar. */
  snoozePreset: (id: Id, preset: string) =>
    request<Conversation>('POST', `/support/conversations/${enc(id)}/status`, { status: 'snoozed', preset }),
  assign: (id: Id, agentId: Id | null) => request<Conversation>('POST', `/support/conversations/${enc(id)}/assign`, { agent_id: agentId }),
  autoAssign: (id: Id) => request<Conversation>('POST', `/support/conversations/${enc(id)}/assign`, { auto: true }),
  emails: (id: Id) => request<{ emails: EmailRecord[] }>('GET', `/support/conversations/${enc(id)}/email`),
  contact: (id: Id) => request<ContactView>('GET', `/support/contacts/${enc(id)}`),
  teams: () => request<{ teams: Team[] }>('GET', '/support/teams'),
  agents: () => request<{ agents: Agent[] }>('GET', '/support/agents'),
  setAvailability: (userId: Id, availability: Agent['availability']) =>
    request<Agent>('PUT', `/support/agents/${enc(userId)}/availability`, { availability }),

  // the agents' tools
  canned: (q?: string) => request<{ canned_replies: CannedReply[] }>('GET', '/support/canned-replies' + qs({ q })),
  createCanned: (body: { scope: CannedScope; team_id?: Id; short_code: string; content: string }) =>
    request<CannedReply>('POST', '/support/canned-replies', body),
  updateCanned: (id: Id, patch: { short_code?: string; content?: string }) =>
    request<CannedReply>('PATCH', `/support/canned-replies/${enc(id)}`, patch),
  deleteCanned: (id: Id) => request<void>('DELETE', `/support/canned-replies/${enc(id)}`),
  labels: () => request<{ labels: Label[] }>('GET', '/support/labels'),
  createLabel: (body: { title: string; color?: string }) => request<Label>('POST', '/support/labels', body),
  updateLabel: (id: Id, body: { title: string; color?: string }) => request<Label>('PATCH', `/support/labels/${enc(id)}`, body),
  deleteLabel: (id: Id) => request<void>('DELETE', `/support/labels/${enc(id)}`),
  addLabel: (id: Id, labelId: Id) => request<{ labels: Label[] }>('POST', `/support/conversations/${enc(id)}/labels`, { label_id: labelId }),
  removeLabel: (id: Id, labelId: Id) =>
    request<{ labels: Label[] }>('DELETE', `/support/conversations/${enc(id)}/labels/${enc(labelId)}`),
  searchContacts: (q: string) =>
    request<{ contacts: (Contact & { identities: ContactIdentity[] })[] }>('GET', '/support/contacts' + qs({ q })),
  mergeContact: (targetId: Id, mergeeId: Id) =>
    request<{ contact: Contact & { identities: ContactIdentity[] }; moved_conversations: number; moved_visitors: number }>(
      'POST',
      `/support/contacts/${enc(targetId)}/merge`,
      { mergee_id: mergeeId },
    ),
  remove: (id: Id) => request<void>('DELETE', `/support/conversations/${enc(id)}`),
  restore: (id: Id) => request<Conversation>('POST', `/support/conversations/${enc(id)}/restore`),

  // configuration (support.admin)
  inboxes: () => request<{ inboxes: Inbox[] }>('GET', '/support/inboxes'),
  createInbox: (body: {
    name: string
    channel: string
    team_id?: Id
    hmac_mandatory: boolean
    reopen_window_days: number
    greeting?: string
    allowed_origins?: string[]
  }) => request<Inbox>('POST', '/support/inboxes', body),
  updateInbox: (
    id: Id,
    patch: Partial<Pick<Inbox, 'name' | 'team_id' | 'hmac_mandatory' | 'reopen_window_days' | 'greeting' | 'allowed_origins'>>,
  ) => request<Inbox>('PATCH', `/support/inboxes/${enc(id)}`, patch),
  createTeam: (name: string) => request<Team>('POST', '/support/teams', { name }),
  setMembers: (teamId: Id, members: { user_id: Id; capacity: number }[]) =>
    request<Team>('PUT', `/support/teams/${enc(teamId)}/members`, { members }),
  setTeamCalendar: (teamId: Id, calendarId: Id | null) =>
    request<Team>('PUT', `/support/teams/${enc(teamId)}/calendar`, { calendar_id: calendarId }),
  topics: () => request<{ topics: Topic[] }>('GET', '/support/topics'),
  createTopic: (teamId: Id, title: string) => request<Topic>('POST', '/support/topics', { team_id: teamId, title }),
  updateTopic: (id: Id, body: { title?: string; team_id?: Id; archived?: boolean }) =>
    request<Topic>('PATCH', `/support/topics/${enc(id)}`, body),
  setScope: (userId: Id, scope: Agent['scope']) => request<Agent>('PUT', `/support/agents/${enc(userId)}/scope`, { scope }),
}
