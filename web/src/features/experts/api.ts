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

  /** The consultations API (docs/api.md, "Consultations"): a new request. */
  createConsultation: (body: ConsultationDraft) => request<Consultation>('POST', `${E}/consultations`, body),
}
