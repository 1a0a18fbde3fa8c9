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
}

/** A Message plus who it came from: the customer, an agent's reply or an internal note. */
export interface DeskMessage extends Message {
  direction: Direction
}

export interface ContactView extends Contact {
  conversations: Conversation[]
}

export interface Team {
  id: Id
  name: string
  created_at: Millis
  members: { user_id: Id; capacity: number }[]
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
