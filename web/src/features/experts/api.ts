// The expert network's routes (docs/api.md, "Expert network (EXP)"), typed, on the app's HTTP client.
import { enc, qs, request } from '@/api/client'
import type { Id } from '@/api/types'
import type {
  Answers,
  Application,
  ApplicationState,
  Community,
  CommunityMember,
  CommunityRole,
  Competence,
  Consultation,
  ConsultationDraft,
  ConsultationState,
  ReasonCode,
  SuggestedExpert,
  ExpertProfile,
  ExpertsMe,
  Level,
} from './types'

export interface ApplicationFilter {
  state?: ApplicationState
  community?: Id
  mine?: boolean
  before?: Id
  limit?: number
}

const E = '/experts'

export const expertsApi = {
  me: () => request<ExpertsMe>('GET', `${E}/me`),

  communities: (f: { q?: string; subscribed?: boolean } = {}) =>
    request<{ communities: Community[] }>('GET', `${E}/communities` + qs({ q: f.q || undefined, subscribed: f.subscribed || undefined })),
  community: (id: Id) => request<Community>('GET', `${E}/communities/${enc(id)}`),
  createCommunity: (body: { slug: string; title: string; description?: string; visibility?: 'all' | 'members' }) =>
    request<Community>('POST', `${E}/communities`, body),
  subscribe: (id: Id) => request<Community>('POST', `${E}/communities/${enc(id)}/subscription`),
  unsubscribe: (id: Id) => request<Community>('DELETE', `${E}/communities/${enc(id)}/subscription`),
  members: (id: Id, f: { kind?: 'subscriber' | CommunityRole; after?: Id; limit?: number } = {}) =>
    request<{ members: CommunityMember[]; next_after?: Id }>('GET', `${E}/communities/${enc(id)}/members` + qs({ ...f })),
  grant: (id: Id, userId: Id, role: CommunityRole) =>
    request<CommunityMember>('PUT', `${E}/communities/${enc(id)}/roles/${enc(userId)}`, { role }),
  revoke: (id: Id, userId: Id, role: CommunityRole) =>
    request<void>('DELETE', `${E}/communities/${enc(id)}/roles/${enc(userId)}` + qs({ role })),

  profile: (userId: Id) => request<ExpertProfile>('GET', `${E}/profiles/${enc(userId)}`),
  saveProfile: (
    userId: Id,
    body: { competences?: (string | Competence)[]; levels?: Level[]; vacation_until?: number | null; bio?: string },
  ) => request<ExpertProfile>('PUT', `${E}/profiles/${enc(userId)}`, body),

  applications: (f: ApplicationFilter = {}) =>
    request<{ applications: Application[]; next_before?: Id }>('GET', `${E}/applications` + qs({ ...f, mine: f.mine || undefined })),
  application: (id: Id) => request<Application>('GET', `${E}/applications/${enc(id)}`),
  createApplication: (body: { answers: Partial<Answers>; community_ids: Id[]; submit?: boolean }) =>
    request<Application>('POST', `${E}/applications`, body),
  updateApplication: (id: Id, body: { answers?: Partial<Answers>; community_ids?: Id[] }) =>
    request<Application>('PATCH', `${E}/applications/${enc(id)}`, body),
  submit: (id: Id) => request<Application>('POST', `${E}/applications/${enc(id)}/submit`),
  withdraw: (id: Id) => request<Application>('POST', `${E}/applications/${enc(id)}/withdraw`),
  review: (id: Id) => request<Application>('POST', `${E}/applications/${enc(id)}/review`),
  ask: (id: Id, text: string) => request<Application>('POST', `${E}/applications/${enc(id)}/questions`, { text }),
  answer: (id: Id, text: string) => request<Application>('POST', `${E}/applications/${enc(id)}/answers`, { text }),
  interview: (id: Id, at: number, link: string) => request<Application>('POST', `${E}/applications/${enc(id)}/interview`, { at, link }),
  decide: (id: Id, body: { decision: 'approve' | 'reject'; reason?: string; community_ids?: Id[] }) =>
    request<Application>('POST', `${E}/applications/${enc(id)}/decision`, body),

  /** Consultations (docs/api.md, "Consultations"). */
  createConsultation: (body: ConsultationDraft) => request<Consultation>('POST', `${E}/consultations`, body),
  consultations: (f: ConsultationFilter = {}) =>
    request<{ consultations: Consultation[]; next_before?: Id }>('GET', `${E}/consultations` + qs({ ...f, mine: f.mine || undefined, overdue: f.overdue || undefined })),
  consultation: (id: Id) => request<Consultation>('GET', `${E}/consultations/${enc(id)}`),
  updateConsultation: (id: Id, body: Partial<Omit<ConsultationDraft, 'community_id'>>) => request<Consultation>('PATCH', `${E}/consultations/${enc(id)}`, body),
  suggestedExperts: (id: Id) => request<{ experts: SuggestedExpert[] }>('GET', `${E}/consultations/${enc(id)}/suggested-experts`),
  assign: (id: Id, expertId: Id) => request<Consultation>('POST', `${E}/consultations/${enc(id)}/assign`, { expert_id: expertId }),
  accept: (id: Id) => request<Consultation>('POST', `${E}/consultations/${enc(id)}/accept`),
  returnConsultation: (id: Id, questions: string) => request<Consultation>('POST', `${E}/consultations/${enc(id)}/return`, { questions }),
  resolve: (id: Id, text: string) => request<Consultation>('POST', `${E}/consultations/${enc(id)}/resolve`, { text }),
  reject: (id: Id, reason_code: ReasonCode, text: string) => request<Consultation>('POST', `${E}/consultations/${enc(id)}/reject`, { reason_code, text }),
  cancel: (id: Id) => request<Consultation>('POST', `${E}/consultations/${enc(id)}/cancel`),
  call: (id: Id, at: number, link: string) => request<Consultation>('POST', `${E}/consultations/${enc(id)}/call`, { at, link }),
  rate: (id: Id, rating: number, comment?: string, change = false) =>
    request<Consultation>(change ? 'PUT' : 'POST', `${E}/consultations/${enc(id)}/rating`, { rating, comment: comment || undefined }),
}

export interface ConsultationFilter {
  community?: Id
  state?: ConsultationState
  difficulty?: string
  expert?: Id
  q?: string
  overdue?: boolean
  mine?: boolean
  before?: Id
  limit?: number
}
