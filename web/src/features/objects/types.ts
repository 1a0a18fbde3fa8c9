// The business-objects module's wire types (docs/api.md, "Business objects (CTX)").
import type { Id, Message, Millis } from '@/api/types'

export interface Stage {
  key: string
  name: string
}

export type ChatCategory = 'organization' | 'supplier' | 'commission' | 'approval' | 'specification' | 'shipment' | 'other'

export interface VoteField {
  key: string
  label: string
  type: 'text' | 'number' | 'date' | 'money'
}

export interface ObjectType {
  key: string
  name: string
  stages: Stage[]
  chats: { key: string; stage: string; category: ChatCategory; scope: 'shared' | 'per_counterparty'; title: string; members: string[] }[]
  immutable_after_minutes: number | null
  edit_window_minutes: number
  approvals: { reject_requires_comment: boolean; deadline_working_days: number; requires_signature: boolean }
  vote_fields: VoteField[]
  updated_at: Millis
}

export type ObjectState = 'active' | 'closed' | 'cancelled'
/** The object roles; a counterparty's user is `supplier` in `my_roles`. */
export type ObjectRole = 'owner' | 'category_manager' | 'commission' | 'observer'

export interface BusinessObject {
  id: Id
  type: string
  external_id: string
  system: string
  url: string
  title: string
  attributes: Record<string, unknown> | null
  stage: string
  state: ObjectState
  version: number
  created_at: Millis
  updated_at: Millis
}

/** A row of GET /objects. */
export interface ObjectSummary extends BusinessObject {
  my_roles: string[]
  counterparty_count: number
  chat_count: number
}

export interface Counterparty {
  id: Id
  org_ref: string
  name: string
  user_ids: Id[]
  removed: boolean
  created_at: Millis
}

export interface ObjectChat {
  chat_id: Id
  object_id: Id
  template: string
  /** A stage key, or `*` for a chat open for the object's whole life. */
  stage: string
  category: ChatCategory
  counterparty_id: Id | null
  state: 'open' | 'archived'
  name: string
  created_at: Millis
  archived_at: Millis | null
}

export interface ObjectView extends BusinessObject {
  my_roles: string[]
  staff: boolean
  can_manage: boolean
  /** Staff only. */
  members?: { user_id: Id; role: ObjectRole }[]
  counterparties: Counterparty[]
  chats: ObjectChat[]
}

export interface ChatTree {
  object_id: Id
  groups: { category: ChatCategory | 'archived'; chats: ObjectChat[] }[]
}

export interface DocumentVersion {
  id: Id
  document_id: Id
  n: number
  file_id: Id
  sha256: string
  size: number
  name: string
  content_type: string
  uploaded_by: Id
  uploaded_at: Millis
  chat_id: Id
}

export interface ObjectDocument {
  id: Id
  object_id: Id
  counterparty_id: Id | null
  title: string
  doc_type: string
  number: string
  series: string
  valid_until: string | null
  created_by: Id
  created_at: Millis
  updated_at: Millis
  current_version_id: Id
  versions: DocumentVersion[]
}

export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled' | 'superseded'
export type StepRule = 'all' | 'any' | 'n_of_m'
export type StepState = 'waiting' | 'active' | 'approved' | 'rejected' | 'closed'
export type TaskState =
  | 'waiting'
  | 'pending'
  | 'approved'
  | 'approved_with_remarks'
  | 'rejected'
  | 'not_required'
  | 'expired'
  | 'superseded'
  | 'cancelled'
export type Decision = 'approve' | 'approve_with_remarks' | 'reject'

export interface ApprovalTask {
  user_id: Id
  state: TaskState
  comment: string
  decided_at: Millis | null
  signature_id: Id | null
}

export interface ApprovalStep {
  id: Id
  order: number
  rule: StepRule
  required: number
  state: StepState
  started_at: Millis | null
  finished_at: Millis | null
  tasks: ApprovalTask[]
}

export interface Approval {
  id: Id
  object_id: Id
  document_id: Id
  version_id: Id
  chat_id: Id
  initiator: Id
  state: ApprovalState
  title: string
  require_signature: boolean
  reject_requires_comment: boolean
  file_sha256: string
  deadline_at: Millis
  created_at: Millis
  finished_at: Millis | null
  steps: ApprovalStep[]
}

export interface SignatureCheck {
  signature_id: Id
  approval_id: Id
  valid: boolean
  reason?: 'bad_signature' | 'unknown_key' | 'hash_mismatch'
  statement: string
  alg: string
  kid: string
  signature: string
}

export interface ObjectSearchHit {
  message: Message
  snippet: string
  chat: ObjectChat
}

/** The body of POST /document-versions/{id}/approvals. */
export interface ApprovalRequest {
  steps: { order: number; rule: StepRule; n?: number; participants: { user_id: Id }[]; groups?: ObjectRole[] }[]
  deadline_at?: Millis
  require_signature?: boolean
  chat_id?: Id
}
