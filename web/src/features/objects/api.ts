// The business-objects routes (docs/api.md, "Business objects (CTX)"), typed, on the app's HTTP client.
import { enc, qs, request } from '@/api/client'
import type { Id } from '@/api/types'
import type {
  Approval,
  ApprovalRequest,
  ChatTree,
  DocumentVersion,
  Decision,
  ObjectChat,
  ObjectDocument,
  ObjectSearchHit,
  ObjectState,
  ObjectSummary,
  ObjectType,
  ObjectView,
  SignatureCheck,
} from './types'

export interface ObjectFilter {
  type?: string
  stage?: string
  state?: ObjectState
  q?: string
  before?: Id
  limit?: number
}

export const objectsApi = {
  types: () => request<{ object_types: ObjectType[] }>('GET', '/object-types'),
  list: (f: ObjectFilter = {}, signal?: AbortSignal) =>
    request<{ objects: ObjectSummary[]; next_before?: Id }>('GET', '/objects' + qs({ ...f }), undefined, signal),
  get: (id: Id) => request<ObjectView>('GET', `/objects/${enc(id)}`),
  chats: (id: Id) => request<ChatTree>('GET', `/objects/${enc(id)}/chats`),
  search: (id: Id, query: string, limit = 30) =>
    request<{ results: ObjectSearchHit[] }>('GET', `/objects/${enc(id)}/search` + qs({ query, limit })),
  ofChat: (chatId: Id) => request<{ object: ObjectView; chat: ObjectChat }>('GET', `/chats/${enc(chatId)}/object`),
  changeStage: (id: Id, from: string, to: string) => request<ObjectView>('POST', `/objects/${enc(id)}/stage`, { from, to }),
  setState: (id: Id, state: 'closed' | 'cancelled') => request<ObjectView>('POST', `/objects/${enc(id)}/state`, { state }),

  documents: (id: Id) => request<{ documents: ObjectDocument[] }>('GET', `/objects/${enc(id)}/documents`),
  document: (id: Id) => request<ObjectDocument>('GET', `/documents/${enc(id)}`),
  /** Files a file posted in one of the object's chats under a card: the same (type, number) again is
   *  the next version of that document. */
  fileDocument: (
    objectId: Id,
    body: { file_id: Id; doc_type: string; number: string; series?: string; valid_until?: string; title?: string },
  ) => request<{ document: ObjectDocument; version: DocumentVersion }>('POST', `/objects/${enc(objectId)}/documents`, body),
  versionUrl: (versionId: Id) => `/api/v1/document-versions/${enc(versionId)}/download`,

  /** "For my decision": the routes with a task pending for the caller, earliest deadline first. */
  myApprovals: () => request<{ approvals: Approval[] }>('GET', '/approvals'),
  objectApprovals: (objectId: Id) => request<{ approvals: Approval[] }>('GET', '/approvals' + qs({ object_id: objectId })),
  approval: (id: Id) => request<Approval>('GET', `/approvals/${enc(id)}`),
  startApproval: (versionId: Id, body: ApprovalRequest) =>
    request<Approval>('POST', `/document-versions/${enc(versionId)}/approvals`, body),
  decide: (id: Id, decision: Decision, comment?: string) =>
    request<Approval>('POST', `/approvals/${enc(id)}/decisions`, { decision, comment: comment || undefined }),
  cancelApproval: (id: Id) => request<Approval>('POST', `/approvals/${enc(id)}/cancel`),
  verifySignature: (id: Id) => request<SignatureCheck>('GET', `/signatures/${enc(id)}/verify`),
}
