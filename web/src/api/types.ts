// Wire types of the Veche HTTP + WebSocket API v1 (docs/api.md).
// Ids are 64-bit and always travel as decimal strings; never parse them into numbers.

export type Id = string
/** Milliseconds since the Unix epoch, UTC. */
export type Millis = number

export type Presence = 'online' | 'away' | 'dnd' | 'offline'
/** guest: sees only its chats and their members; bot: a system account, never signs in. */
export type UserRole = 'admin' | 'user' | 'guest' | 'bot'

export interface User {
  id: Id
  username: string
  display_name: string
  position: string
  department: string
  site: string
  status_text: string
  role: UserRole
  presence: Presence
  deactivated: boolean
  created_at: Millis
}

export interface Me extends User {
  must_change_password: boolean
}

export interface Session {
  id: Id
  created_at: Millis
  last_seen_at: Millis
  user_agent: string
  ip: string
  current: boolean
}

export interface LoginResponse {
  token: string
  session: Session
  user: Me
}

export type ChatType = 'direct' | 'group' | 'channel'
export type Visibility = 'public' | 'private'
export type ChatRole = 'owner' | 'admin' | 'member' | 'guest'

export interface Reaction {
  emoji: string
  count: number
  user_ids: Id[]
  me: boolean
}

export interface Message {
  id: Id
  chat_id: Id
  author_id: Id
  text: string
  /** The names the server read as @mentions in the text (channel/all/here included); absent when deleted. */
  mentions?: string[]
  client_id?: string | null
  created_at: Millis
  edited_at?: Millis | null
  deleted: boolean
  reactions?: Reaction[]
  kind?: 'text' | 'poll'
  /** Set on thread replies: they live in the thread, never in the chat history. */
  thread_root_id?: Id | null
  reply_count?: number
  last_reply_at?: Millis | null
  thread_participants?: Id[]
  forwarded_from?: { author_id: Id; created_at: Millis } | null
  quote?: { id: Id; author_id: Id; text: string; deleted: boolean } | null
  pinned?: boolean
  poll?: Poll | null
  files?: FileInfo[]
  /** A bot's buttons, rows top to bottom (docs/api.md, "Buttons and interactions"); absent: none. */
  buttons?: MessageButton[][]
}

/** Exactly one of `command` (the click goes to the bot) and `link` (the client opens it). */
export interface MessageButton {
  label: string
  command?: string
  link?: string
  data?: Record<string, unknown>
  silent?: boolean
  alert?: string | null
}

/** The answer to a click (POST /messages/{id}/interactions). */
export interface InteractionAnswer {
  interaction_id: Id
  /** Shown to the clicking user only. */
  alert: string | null
  /** True when an earlier click of the same button was answered (nothing delivered again). */
  repeated: boolean
  message: Message
}

export interface FileInfo {
  id: Id
  chat_id: Id
  message_id: Id | null
  uploader_id: Id
  name: string
  size: number
  content_type: string
  width: number
  height: number
  url: string
  thumbnail_url: string | null
  created_at: Millis
}

export interface PollOption {
  text: string
  votes: number
  voter_ids?: Id[]
}

export interface Poll {
  question: string
  multiple: boolean
  anonymous: boolean
  deadline: Millis | null
  closed: boolean
  closed_at: Millis | null
  voters: number
  options: PollOption[]
  my_votes?: number[]
}

export type NotifyLevel = 'all' | 'mentions' | 'none'

export interface Notification {
  id: Id
  kind: 'mention' | 'thread_reply'
  chat_id: Id
  message_id: Id
  actor_id: Id
  created_at: Millis
  read: boolean
}

export interface SearchResult {
  message: Message
  snippet: string
}

export interface Chat {
  id: Id
  type: ChatType
  visibility: Visibility
  name: string
  topic: string
  archived: boolean
  immutable_after_minutes: number | null
  created_by: Id
  created_at: Millis
  last_activity_at: Millis
  member_count: number
  /** Who owns the chat: `chat` (the messenger's own) or a module's kind (`object`: a business
   *  object's chat, whose members, name and archiving are the object's). */
  kind?: string
  /** Per-user fields: absent on chat.created / chat.updated events. */
  my_role?: ChatRole | null
  last_message?: Message | null
  unread_count?: number
  last_read_message_id?: Id
  direct_user_id?: Id
  mention_count?: number
  notify?: NotifyLevel
}

export interface Member {
  user: User
  role: ChatRole
  joined_at: Millis
}

export interface MessagePage {
  messages: Message[]
  has_more: boolean
}

export interface ReadResponse {
  last_read_message_id: Id
  unread_count: number
}

/** A message the server posts as its author at `send_at` (docs/api.md, "Scheduled messages"). */
export type ScheduledState = 'pending' | 'sending' | 'sent' | 'failed'
export const SCHEDULED_STATES: readonly ScheduledState[] = ['pending', 'sending', 'sent', 'failed']

export interface ScheduledMessage {
  id: Id
  chat_id: Id
  author_id: Id
  thread_root_id: Id | null
  text: string
  send_at: Millis
  state: ScheduledState
  /** Set once sent: the message it became. */
  message_id: Id | null
  /** Set when failed: the error the post met (the author left the chat, it was archived…). */
  failure: { code: string; message: string } | null
  created_at: Millis
  updated_at: Millis
  sent_at: Millis | null
}

/** A row of the server's durable job queue (docs/api.md, "Jobs"); administrators only. */
export type JobState = 'pending' | 'running' | 'done' | 'dead'
export const JOB_STATES: readonly JobState[] = ['pending', 'running', 'done', 'dead']

export interface Job {
  id: Id
  kind: string
  payload: unknown
  dedupe_key: string | null
  state: JobState
  due_at: Millis
  attempts: number
  max_attempts: number
  last_error: string | null
  lease_owner: string | null
  lease_until: Millis | null
  created_at: Millis
  updated_at: Millis
}

/** Roles and permissions (docs/api.md, "Roles and permissions"). */
export interface Permission {
  name: string
  title: string
}

export interface Role {
  id: Id
  name: string
  title: string
  description: string
  system: boolean
  archived_at: number | null
  permissions: string[]
  created_at: number
  updated_at: number
}

export interface Grant {
  user_id: Id
  role_id: Id
  role_name: string
  role_title: string
  role_archived: boolean
  scope_kind: string | null
  scope_id: Id | null
  granted_by: Id | null
  granted_at: number
}

export interface MyPermissions {
  is_admin: boolean
  permissions: string[]
  grants: Grant[]
}

export interface JobPage {
  jobs: Job[]
  next_before?: Id
}

export interface ApiErrorBody {
  error: { code: string; message: string }
}

// ---- WebSocket frames ----

/**
 * Every event kind the server sends (docs/api.md, "Events"); wire.test.ts checks this list against
 * the documentation's table, so a kind the server does not send cannot linger here.
 */
export const EVENT_KINDS = [
  'message.created',
  'message.updated',
  'message.deleted',
  'message.restored',
  'chat.created',
  'chat.updated',
  'member.added',
  'member.updated',
  'member.removed',
  'chat.read',
  'notification.created',
  'user.updated',
  'session.revoked',
  'scheduled_message.sent',
  'scheduled_message.failed',
  'objects.object_upserted',
  'objects.chat_opened',
  'objects.stage_changed',
  'objects.state_changed',
  'objects.counterparty_upserted',
  'objects.counterparty_removed',
  'objects.member_added',
  'objects.member_removed',
  'objects.document_version_added',
  'objects.approval_started',
  'objects.approval_decided',
  'objects.approval_cancelled',
  'objects.approval_superseded',
  'objects.approval_expired',
  'objects.approval_reminder',
  'objects.vote_opened',
  'objects.vote_closed',
  'objects.vote_ballot_cast',
  'support.conversation.created',
  'support.conversation.status_changed',
  'support.conversation.assigned',
  'support.conversation.message',
  'support.agent.access_changed',
  'support.conversation.deleted',
  'support.conversation.restored',
  'support.sla.warning',
  'support.sla.missed',
  'support.sla.hit',
  'experts.roles_changed',
  'experts.subscription_changed',
  'experts.profile_updated',
  'experts.application.created',
  'experts.application.submitted',
  'experts.application.updated',
  'experts.application.review_started',
  'experts.application.question',
  'experts.application.answer',
  'experts.application.interview_scheduled',
  'experts.application.decided',
  'experts.application.withdrawn',
  'experts.consultation.created',
  'experts.consultation.updated',
  'experts.consultation.assigned',
  'experts.consultation.accepted',
  'experts.consultation.returned',
  'experts.consultation.resolved',
  'experts.consultation.rejected',
  'experts.consultation.cancelled',
  'experts.consultation.call_scheduled',
  'experts.consultation.rated',
  'experts.consultation.overdue',
  'experts.consultation.followed',
  'experts.consultation.unfollowed',
] as const
export type EventKind = (typeof EVENT_KINDS)[number]

export type EventDataMap = {
  'message.created': Message
  'message.updated': Message
  'message.deleted': { id: Id; chat_id: Id }
  'message.restored': Message
  'chat.created': Chat
  'chat.updated': Chat
  'member.added': { chat_id: Id; user_id: Id; role: ChatRole }
  'member.updated': { chat_id: Id; user_id: Id; role: ChatRole }
  'member.removed': { chat_id: Id; user_id: Id }
  'chat.read': { chat_id: Id; user_id?: Id; last_read_message_id: Id }
  'notification.created': Notification
  'user.updated': User
  'session.revoked': { session_ids: Id[] }
  'scheduled_message.sent': ScheduledMessage
  'scheduled_message.failed': ScheduledMessage
} & {
  /** A module's events: the feature that claims them reads their data with its own types. */
  [K in ModuleEventKind]: ModuleEventData
}

/** The kinds of `<module>.<verb>` events (features/<module> types their data). */
type ModuleEventKind = Extract<(typeof EVENT_KINDS)[number], `objects.${string}` | `support.${string}` | `experts.${string}`>
/** Most carry the id of what they are about (`object_id`); the rest is the module's. */
export type ModuleEventData = { object_id?: Id; id?: Id } & Record<string, unknown>

export type ServerEvent = {
  [K in EventKind]: {
    type: 'event'
    pos?: number | null
    kind: K
    /** What the event is about, `<kind>:<id>` (`chat:42`, `ticket:7`); absent for events addressed
     *  to one user or to everyone. */
    topic?: string
    /** The id of a `chat:` topic, repeated. */
    chat_id?: Id
    data: EventDataMap[K]
  }
}[EventKind]

export type ServerFrame =
  | { type: 'hello_ok'; user_id: Id; head: number }
  | { type: 'synced'; pos: number }
  /** After hello: the server cannot resume from our last_pos (purged by retention, another server's
   *  positions); it continues from the head of hello_ok and the client reloads its state over REST. */
  | { type: 'resync_required' }
  | { type: 'pong' }
  /** A refused client frame: the HTTP API's `code` and `status` for the same refusal. */
  | { type: 'error'; code: string; status: number; message: string }
  | { type: 'typing'; chat_id: Id; user_id: Id }
  | { type: 'presence'; users: { user_id: Id; presence: Presence }[] }
  | ServerEvent

export type LiveFrame = Extract<ServerFrame, { type: 'typing' } | { type: 'presence' }>

export type ClientFrame = { type: 'hello'; last_pos: number | null } | { type: 'ping' } | { type: 'typing'; chat_id: Id }

/** One entry of an item's history (docs/api.md, "Timeline"): `item` is its topic, e.g. `chat:42`. */
export interface TimelineEntry {
  id: Id
  item: string
  type: string
  /** null: the system (a timer, an automatic hand-over). */
  actor_id: Id | null
  at: number
  data: Record<string, unknown>
}

export interface TimelinePage {
  entries: TimelineEntry[]
  /** Present when the page is full: pass as `before` for the older page. */
  next_before?: Id
}

/** docs/api.md "Business calendar". */
export interface WorkInterval {
  start: string // "09:00"
  end: string // "18:00", up to "24:00"
}
export type CalendarDayKind = 'holiday' | 'day_off' | 'working' | 'shortened'
export interface BusinessCalendar {
  id: Id
  name: string
  time_zone: string
  /** Seven days, Monday first; an empty day is a day off. */
  week: WorkInterval[][]
  is_default: boolean
  created_at: number
  updated_at: number
}
export interface CalendarDay {
  date: string // "2026-01-01"
  kind: CalendarDayKind
  note: string
}
