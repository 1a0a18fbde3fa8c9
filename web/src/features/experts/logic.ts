// Pure helpers of the expert network's pages: tags, the questionnaire's checks, states' tones, who
// sees what in the section, the interview's time, the request form's checks.
import type { Id } from '@/api/types'
import type { Answers, Application, ApplicationState, CommunityRole, Consultation, ConsultationDraft, ConsultationState, ExpertsMe, Level, ReasonCode } from './types'

export const LEVELS: readonly Level[] = ['beginner', 'basic', 'advanced']
export const APPLICATION_STATES: readonly ApplicationState[] = [
  'submitted',
  'in_review',
  'clarification_requested',
  'interview_scheduled',
  'approved',
  'rejected',
  'withdrawn',
  'draft',
]
/** States an application is still going somewhere from. */
export const OPEN_STATES: readonly ApplicationState[] = ['draft', 'submitted', 'in_review', 'clarification_requested', 'interview_scheduled']

export const MAX_TAGS = 50
export const MAX_TAG = 50

/** A tag as the server keeps it: trimmed, inner spaces collapsed, lowercased (Ё as ё). */
export function normalizeTag(raw: string): string {
  return raw.trim().replace(/\s+/g, ' ').toLowerCase()
}

/** `tags` with what was typed added: split on commas and semicolons, normalized, too long ones and
 *  duplicates dropped, at most MAX_TAGS. */
export function addTags(tags: readonly string[], typed: string): string[] {
  const out = [...tags]
  for (const part of typed.split(/[,;\n]/)) {
    const t = normalizeTag(part)
    if (!t || t.length > MAX_TAG || out.includes(t) || out.length >= MAX_TAGS) continue
    out.push(t)
  }
  return out
}

export function emptyAnswers(): Answers {
  return {
    full_name: '',
    position: '',
    department: '',
    site: '',
    phone: '',
    experience_years: null,
    experience: '',
    competences: [],
    skills: '',
    motivation: '',
  }
}

/** The questionnaire's fields that submitting requires (docs/api.md). */
export const REQUIRED_ANSWERS = ['full_name', 'position', 'experience_years', 'experience', 'competences', 'skills'] as const
export type AnswerField = keyof Answers

/** The fields that keep the questionnaire from being submitted, in the form's order; the
 *  communities too (`community_ids`). */
export function missingForSubmit(a: Answers, communityIds: readonly Id[]): (AnswerField | 'community_ids')[] {
  const out: (AnswerField | 'community_ids')[] = []
  for (const f of REQUIRED_ANSWERS) {
    const v = a[f]
    if (f === 'experience_years') {
      if (v === null || v === undefined || !Number.isInteger(v) || (v as number) < 0 || (v as number) > 70) out.push(f)
    } else if (Array.isArray(v) ? v.length === 0 : !String(v ?? '').trim()) out.push(f)
  }
  if (communityIds.length === 0) out.push('community_ids')
  return out
}

/** The answers as sent: text trimmed; an empty number is null. */
export function cleanAnswers(a: Answers): Answers {
  const t = (s: string) => s.trim()
  return {
    full_name: t(a.full_name),
    position: t(a.position),
    department: t(a.department),
    site: t(a.site),
    phone: t(a.phone),
    experience_years: a.experience_years === null || Number.isNaN(a.experience_years) ? null : Math.trunc(a.experience_years),
    experience: t(a.experience),
    competences: [...a.competences],
    skills: t(a.skills),
    motivation: t(a.motivation),
  }
}

/** The pill's tone of an application's state. */
export function stateTone(s: ApplicationState): 'accent' | 'ok' | 'bad' | 'warn' | '' {
  if (s === 'approved') return 'ok'
  if (s === 'rejected') return 'bad'
  if (s === 'clarification_requested') return 'warn'
  if (s === 'submitted' || s === 'in_review' || s === 'interview_scheduled') return 'accent'
  return ''
}

export function isOpen(a: Pick<Application, 'state'>): boolean {
  return OPEN_STATES.includes(a.state)
}

/** The caller's roles in one community. */
export function rolesIn(me: ExpertsMe | null, communityId: Id): CommunityRole[] {
  return me?.communities.find((c) => c.community_id === communityId)?.roles ?? []
}

export function isModerator(me: ExpertsMe | null): boolean {
  return !!me && (me.moderator || me.admin)
}

/** Curators and moderators see the review queue. */
export function seesReviewQueue(me: ExpertsMe | null): boolean {
  return isModerator(me) || !!me?.communities.some((c) => c.roles.includes('curator'))
}

/** The communities the caller curates (moderators: null, meaning every one). */
export function curatedCommunities(me: ExpertsMe | null): Id[] | null {
  if (isModerator(me)) return null
  return (me?.communities ?? []).filter((c) => c.roles.includes('curator')).map((c) => c.community_id)
}

/** The communities a curator approves into by default: the applied ones they curate. */
export function defaultApproveInto(a: Pick<Application, 'community_ids'>, me: ExpertsMe | null): Id[] {
  const mine = curatedCommunities(me)
  return mine === null ? [...a.community_ids] : a.community_ids.filter((id) => mine.includes(id))
}

/** An interview link the server takes: http(s), up to 500 characters. */
export function validLink(link: string): boolean {
  const l = link.trim()
  if (!l || l.length > 500 || !/^https?:\/\/\S+$/i.test(l)) return false
  try {
    new URL(l)
    return true
  } catch {
    return false
  }
}

/** Why an interview cannot be scheduled at `at` with `link` (an i18n key's last part), or null. */
export function interviewProblem(at: number, link: string, now = Date.now()): 'time' | 'past' | 'link' | null {
  if (!Number.isFinite(at)) return 'time'
  if (at <= now) return 'past'
  if (!validLink(link)) return 'link'
  return null
}

/** The new request form's fields that are missing, in the form's order. */
export function missingForRequest(d: Partial<ConsultationDraft>): (keyof ConsultationDraft)[] {
  const out: (keyof ConsultationDraft)[] = []
  for (const f of ['title', 'question', 'expected_result', 'community_id'] as const) if (!String(d[f] ?? '').trim()) out.push(f)
  if (!d.difficulty || !LEVELS.includes(d.difficulty)) out.push('difficulty')
  return out
}

/** Pages with the caller's own application: the open one, else the latest. */
export function currentApplication(list: readonly Application[]): Application | null {
  return list.find(isOpen) ?? [...list].sort((a, b) => b.created_at - a.created_at)[0] ?? null
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The value of an `<input type="date">` for `ms`, local time. */
export function dateInputValue(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** "On vacation until" a date: the end of that day, local time, in ms; null for none or unreadable. */
export function vacationEnd(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim())
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(y, mo - 1, d, 23, 59, 59, 0)
  if (date.getMonth() !== mo - 1 || date.getDate() !== d) return null
  return date.getTime()
}

// ---- consultations ----

export const CONSULTATION_STATES: readonly ConsultationState[] = ['new', 'assigned', 'in_progress', 'returned_for_clarification', 'resolved', 'rejected', 'cancelled']
export const REASON_CODES: readonly ReasonCode[] = ['out_of_scope', 'duplicate', 'insufficient_information', 'not_expert_question', 'other']

/** The pill's tone of a request's state. */
export function consultationTone(s: ConsultationState): 'accent' | 'ok' | 'bad' | 'warn' | '' {
  if (s === 'resolved') return 'ok'
  if (s === 'rejected') return 'bad'
  if (s === 'returned_for_clarification') return 'warn'
  if (s === 'assigned' || s === 'in_progress') return 'accent'
  return ''
}

/** Where a request's chat opens in the messenger (bound chats open at /chats/<id>), or null before
 *  the assignment made it. */
export function chatPath(c: Pick<Consultation, 'chat_id'>): string | null {
  return c.chat_id ? `/chats/${c.chat_id}` : null
}

/** The requester's rating: a whole number 1..5. */
export function validRating(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 5
}

/** Whether any registry filter is set (the empty state then says "nothing matches"). */
export function registryFiltered(f: { q?: string; state?: string; difficulty?: string; community?: string; expert?: string }): boolean {
  return !!(f.q?.trim() || f.state || f.difficulty || f.community || f.expert)
}
