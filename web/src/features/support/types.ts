// The support desk's wire types (docs/api.md, "Support desk (SUP)").
import type { Id, Message, Millis } from '@/api/types'

export type ConversationStatus = 'open' | 'pending' | 'snoozed' | 'resolved'
export type Direction = 'incoming' | 'outgoing' | 'note'

export interface Contact {
  id: Id
  inbox_id: Id
  name: string
  email: string
  external_id: string
  verified: boolean
  created_at: Millis
  merged_into?: Id | null
}

export interface Conversation {
  id: Id
  /** `SUP-000123`. */
  number: string
  chat_id: Id
  inbox_id: Id
  team_id: Id | null
  topic_id: Id | null
  contact_id: Id
  assignee_id: Id | null
  last_assignee_id: Id | null
  status: ConversationStatus
  snoozed_until: Millis | null
  snooze_until_reply: boolean
  waiting_since: Millis | null
  first_reply_at: Millis | null
  resolved_at: Millis | null
  reopen_count: number
  previous_id: Id | null
  created_at: Millis
  updated_at: Millis
  /** Absent in a contact's list of conversations. */
  contact?: Contact
  /** Absent in a contact's list of conversations. */
  labels?: Label[]
  /** Soft-deleted (only support admins see such a conversation). */
  deleted_at?: Millis | null
  deleted_by?: Id | null
}

/** A Message plus who it came from: the customer, an agent's reply or an internal note. */
export interface DeskMessage extends Message {
  direction: Direction
  /** Support admins only: who deleted a deleted message, and when (its text is kept). */
  deleted_by?: Id | null
  deleted_at?: Millis | null
}

export interface ContactIdentity {
  kind: 'email' | 'external_id'
  value: string
  inbox_id: Id
  from_contact_id: Id
  added_at: Millis
}

export interface ContactView extends Contact {
  conversations: Conversation[]
  identities?: ContactIdentity[]
}

export interface Label {
  id: Id
  title: string
  color: string
  created_at: Millis
}

export type CannedScope = 'personal' | 'team' | 'global'
export interface CannedReply {
  id: Id
  scope: CannedScope
  owner_id: Id | null
  team_id: Id | null
  short_code: string
  content: string
  created_at: Millis
  updated_at: Millis
}

export interface Inbox {
  id: Id
  name: string
  channel: 'api' | 'widget' | string
  team_id: Id | null
  token: string
  hmac_mandatory: boolean
  hmac_secret: string
  reopen_window_days: number
  greeting: string
  /** The sites whose widget may use the inbox ("https://shop.example"); empty: any site. */
  allowed_origins: string[]
  created_at: Millis
}

export interface Topic {
  id: Id
  team_id: Id
  title: string
  /** Archived topics stay listed (old conversations name them) but take no new conversations. */
  archived: boolean
  archived_at: Millis | null
}

export interface Team {
  id: Id
  name: string
  created_at: Millis
  members: { user_id: Id; capacity: number }[]
  calendar_id?: Id | null
}

export interface Agent {
  user_id: Id
  scope: 'all' | 'team' | 'assigned'
  availability: 'online' | 'offline'
  open_count: number
  last_assigned_at: Millis | null
  team_ids: Id[]
}

/** The email side of a desk message (GET …/conversations/{id}/email). */
export interface EmailRecord {
  message_id: Id
  direction: 'incoming' | 'outgoing'
  rfc_message_id: string
  subject: string
  peer: string
  state: 'received' | 'queued' | 'sent' | 'failed'
  error: string
  created_at: Millis
  sent_at: Millis | null
}
