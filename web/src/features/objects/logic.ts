// Pure helpers of the objects section, shared by its views and tested on their own (logic.test.ts).
import type { Id } from '@/api/types'
import type { Approval, ApprovalTask, ChatCategory, Counterparty, ObjectDocument, ObjectState, ObjectType, Stage } from './types'

export type StepStatus = 'done' | 'current' | 'todo'

/** The stepper: every stage of the type, the ones before the object's current stage done. A finished
 *  object has every stage done (closed) or stops where it was cancelled. */
export function stageSteps(type: Pick<ObjectType, 'stages'> | undefined, current: string, state: ObjectState): (Stage & { status: StepStatus })[] {
  const stages = type?.stages ?? [{ key: current, name: current }]
  const at = stages.findIndex((s) => s.key === current)
  return stages.map((s, i) => ({
    ...s,
    status: state === 'closed' || i < at ? 'done' : i === at ? (state === 'cancelled' ? 'done' : 'current') : 'todo',
  }))
}

/** The stage after `current`, or null at the last one (the server allows only the next stage). */
export function nextStage(type: Pick<ObjectType, 'stages'> | undefined, current: string): Stage | null {
  const stages = type?.stages ?? []
  const at = stages.findIndex((s) => s.key === current)
  return at >= 0 && at + 1 < stages.length ? stages[at + 1] : null
}

export function stageName(type: Pick<ObjectType, 'stages'> | undefined, key: string): string {
  if (key === '*') return ''
  return type?.stages.find((s) => s.key === key)?.name ?? key
}

/** The tree's order of chat groups (docs/api.md, `GET /objects/{id}/chats`). */
export const CATEGORY_ORDER: readonly (ChatCategory | 'archived')[] = [
  'organization',
  'supplier',
  'commission',
  'approval',
  'specification',
  'shipment',
  'other',
  'archived',
]

/** The caller's task waiting for a decision now: on the active step, pending. */
export function myPendingTask(a: Pick<Approval, 'state' | 'steps'>, me: Id | undefined): ApprovalTask | null {
  if (!me || a.state !== 'pending') return null
  for (const step of a.steps) {
    if (step.state !== 'active') continue
    const task = step.tasks.find((t) => t.user_id === me && t.state === 'pending')
    if (task) return task
  }
  return null
}

/** How far the route is: decided approvals of all the tasks that count, and the step on now. */
export function approvalProgress(a: Pick<Approval, 'steps'>): { approved: number; total: number; step: number; steps: number } {
  const orders = [...new Set(a.steps.map((s) => s.order))].sort((x, y) => x - y)
  const active = a.steps.find((s) => s.state === 'active')
  let approved = 0
  let total = 0
  for (const s of a.steps) {
    total += s.required
    approved += Math.min(s.required, s.tasks.filter((t) => t.state === 'approved' || t.state === 'approved_with_remarks').length)
  }
  const step = active ? orders.indexOf(active.order) + 1 : a.steps.every((s) => s.state === 'approved') ? orders.length : 0
  return { approved, total, step, steps: orders.length }
}

export type Urgency = 'overdue' | 'soon' | 'ok'

/** A deadline past is overdue; within a day, soon. */
export function deadlineUrgency(deadline: number, now = Date.now()): Urgency {
  if (deadline <= now) return 'overdue'
  return deadline - now <= 24 * 3600_000 ? 'soon' : 'ok'
}

/** Whether a rejection (or remarks) needs a comment before it can be sent. */
export function commentMissing(decision: 'approve' | 'approve_with_remarks' | 'reject', comment: string, rejectRequiresComment: boolean): boolean {
  if (comment.trim()) return false
  return decision === 'approve_with_remarks' || (decision === 'reject' && rejectRequiresComment)
}

export interface DocumentGroup {
  /** null: the object's own documents (from its shared chats). */
  counterparty: Counterparty | null
  documents: ObjectDocument[]
}

/** Documents by whose they are: the object's own first, then each counterparty's by name. A supplier
 *  gets only its own from the server, so it sees one group. */
export function groupDocuments(docs: readonly ObjectDocument[], counterparties: readonly Counterparty[]): DocumentGroup[] {
  const byCp = new Map<Id | null, ObjectDocument[]>()
  for (const d of docs) {
    const k = d.counterparty_id ?? null
    const list = byCp.get(k) ?? []
    list.push(d)
    byCp.set(k, list)
  }
  const groups: DocumentGroup[] = []
  const own = byCp.get(null)
  if (own) groups.push({ counterparty: null, documents: own })
  const cps = [...counterparties].sort((a, b) => a.name.localeCompare(b.name))
  for (const cp of cps) {
    const list = byCp.get(cp.id)
    if (list) groups.push({ counterparty: cp, documents: list })
  }
  // A document of a counterparty the view does not list (removed meanwhile) still shows.
  for (const [k, list] of byCp) {
    if (k !== null && !cps.some((c) => c.id === k)) groups.push({ counterparty: null, documents: list })
  }
  return groups
}

/** The newest route of a document, to show its state beside it. */
export function latestApproval(documentId: Id, approvals: readonly Approval[]): Approval | null {
  let best: Approval | null = null
  for (const a of approvals) if (a.document_id === documentId && (!best || a.created_at > best.created_at)) best = a
  return best
}

/** The object's id from an event's topic (`object:42`). */
export function objectIdOfTopic(topic: string | undefined): Id | null {
  return topic?.startsWith('object:') ? topic.slice('object:'.length) : null
}

/** A SHA-256 short enough for a line: its first and last eight digits. */
export function shortHash(sha256: string): string {
  return sha256.length > 16 ? `${sha256.slice(0, 8)}…${sha256.slice(-8)}` : sha256
}
