// The expert network's wire types (docs/api.md, "Expert network (EXP)"); ids are strings.
import type { Id } from '@/api/types'

export type CommunityRole = 'expert' | 'curator'
export type Section = 'feed' | 'topics' | 'practices' | 'stories' | 'video' | 'events'

export interface Community {
  id: Id
  slug: string
  title: string
  description: string
  sections: Section[]
  visibility: 'all' | 'members'
  created_by: Id
  created_at: number
  updated_at: number
  archived_at: number | null
  subscribers: number
  experts: number
  curators: number
  subscribed: boolean
  my_roles: CommunityRole[]
}

export interface CommunityMember {
  user_id: Id
  username: string
  display_name: string
  subscribed: boolean
  joined_at: number | null
  roles: CommunityRole[]
}

/** The caller's place in the network (`GET /experts/me`). */
export interface ExpertsMe {
  user_id: Id
  admin: boolean
  moderator: boolean
  reservist: boolean
  /** The rungs held anywhere (`moderator`, `curator`, `expert`, `reservist`), `['user']` when none. */
  roles?: string[]
  communities: { community_id: Id; subscribed: boolean; roles: CommunityRole[] }[]
}

export type Level = 'beginner' | 'basic' | 'advanced'

export interface Competence {
  tag: string
  community_id: Id | null
}

export interface ExpertProfile {
  user_id: Id
  competences: Competence[]
  levels: Level[]
  vacation_until: number | null
  bio: string
  updated_at: number
  expert_in: Id[]
}

export type ApplicationState =
  | 'draft'
  | 'submitted'
  | 'in_review'
  | 'clarification_requested'
  | 'interview_scheduled'
  | 'approved'
  | 'rejected'
  | 'withdrawn'

export type ApplicationAction = 'update' | 'submit' | 'answer' | 'withdraw' | 'review' | 'question' | 'interview' | 'decide'

export interface Answers {
  full_name: string
  position: string
  department: string
  site: string
  phone: string
  experience_years: number | null
  experience: string
  competences: string[]
  skills: string
  motivation: string
}

export interface ApplicationEvent {
  id: Id
  type: 'created' | 'submitted' | 'updated' | 'review_started' | 'question' | 'answer' | 'interview_scheduled' | 'approved' | 'rejected' | 'withdrawn'
  actor_id: Id | null
  text: string
  data: Record<string, unknown>
  at: number
}

export interface Application {
  id: Id
  user_id: Id
  username: string
  display_name: string
  state: ApplicationState
  answers: Answers
  community_ids: Id[]
  curator_id: Id | null
  interview: { at: number; link: string } | null
  decision: { decision: 'approve' | 'reject'; reason: string; by: Id; at: number; community_ids: Id[] } | null
  created_at: number
  updated_at: number
  submitted_at: number | null
  actions: ApplicationAction[]
  events: ApplicationEvent[]
}

/** A new consultation request (`POST /experts/consultations`, the consultations API). */
export interface ConsultationDraft {
  title: string
  question: string
  expected_result: string
  community_id: Id
  difficulty: Level
  tags?: string[]
}

export type ConsultationState = 'new' | 'assigned' | 'in_progress' | 'returned_for_clarification' | 'resolved' | 'rejected' | 'cancelled'
export type ConsultationAction = 'update' | 'cancel' | 'rate' | 'change_rating' | 'assign' | 'accept' | 'return' | 'reject' | 'call' | 'resolve'
export type ReasonCode = 'out_of_scope' | 'duplicate' | 'insufficient_information' | 'not_expert_question' | 'other'

export interface ConsultationEvent {
  id: Id
  type: string
  actor_id: Id | null
  text: string
  data: Record<string, unknown>
  at: number
}

/** A consultation request (docs/api.md, "Consultations"). */
export interface Consultation {
  id: Id
  number: string
  requester_id: Id
  community_id: Id
  title: string
  question: string
  expected_result: string
  difficulty: Level
  tags: string[]
  state: ConsultationState
  prior_state: ConsultationState | null
  expert_id: Id | null
  curator_id: Id | null
  chat_id: Id | null
  call: { at: number; link: string } | null
  questions: string
  answer: { text: string; message_id: Id | null } | null
  rejection: { reason_code: ReasonCode; text: string } | null
  rating: { rating: number; comment: string; rated_at: number } | null
  due_assign_at: number
  overdue: boolean
  escalated_at: number | null
  assigned_at: number | null
  resolved_at: number | null
  created_at: number
  updated_at: number
  actions: ConsultationAction[]
  events: ConsultationEvent[]
}

export interface SuggestedExpert {
  user_id: Id
  username: string
  display_name: string
  match: number
  matched_tags: string[]
  takes_level: boolean
  open: number
  last_assigned_at: number | null
}
