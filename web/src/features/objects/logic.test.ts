import { describe, expect, it } from 'vitest'
import {
  approvalProgress,
  commentMissing,
  deadlineUrgency,
  groupDocuments,
  latestApproval,
  myPendingTask,
  nextStage,
  objectIdOfTopic,
  shortHash,
  stageName,
  stageSteps,
} from './logic'
import type { Approval, ApprovalStep, Counterparty, ObjectDocument } from './types'

const type = {
  stages: [
    { key: 'offers', name: 'Приём предложений' },
    { key: 'commission', name: 'Работа комиссии' },
    { key: 'contract', name: 'Договор' },
  ],
}

describe('the stage stepper', () => {
  it('marks the stages before the current one done and the rest to do', () => {
    expect(stageSteps(type, 'commission', 'active').map((s) => s.status)).toEqual(['done', 'current', 'todo'])
    expect(stageSteps(type, 'offers', 'active').map((s) => s.status)).toEqual(['current', 'todo', 'todo'])
  })
  it('a closed object has done everything; a cancelled one stops where it was', () => {
    expect(stageSteps(type, 'commission', 'closed').map((s) => s.status)).toEqual(['done', 'done', 'done'])
    expect(stageSteps(type, 'commission', 'cancelled').map((s) => s.status)).toEqual(['done', 'done', 'todo'])
  })
  it('without the type it shows the current stage alone', () => {
    expect(stageSteps(undefined, 'x', 'active')).toEqual([{ key: 'x', name: 'x', status: 'current' }])
  })
  it('knows the next stage and the names', () => {
    expect(nextStage(type, 'offers')?.key).toBe('commission')
    expect(nextStage(type, 'contract')).toBeNull()
    expect(nextStage(type, 'unknown')).toBeNull()
    expect(stageName(type, 'contract')).toBe('Договор')
    expect(stageName(type, '*')).toBe('')
    expect(stageName(undefined, 'raw')).toBe('raw')
  })
})

function step(order: number, state: ApprovalStep['state'], tasks: [string, string][], required = tasks.length): ApprovalStep {
  return {
    id: 's' + order,
    order,
    rule: 'all',
    required,
    state,
    started_at: null,
    finished_at: null,
    tasks: tasks.map(([user_id, st]) => ({ user_id, state: st as never, comment: '', decided_at: null, signature_id: null })),
  }
}
function approval(steps: ApprovalStep[], extra: Partial<Approval> = {}): Approval {
  return {
    id: 'a1',
    object_id: 'o1',
    document_id: 'd1',
    version_id: 'v1',
    chat_id: 'c1',
    initiator: 'u0',
    state: 'pending',
    title: 'КП',
    require_signature: true,
    reject_requires_comment: true,
    file_sha256: 'ab'.repeat(32),
    deadline_at: 0,
    created_at: 1,
    finished_at: null,
    steps,
    ...extra,
  }
}

describe('approval routes', () => {
  const a = approval([step(1, 'approved', [['u1', 'approved']]), step(2, 'active', [['u2', 'pending'], ['u3', 'approved']]), step(3, 'waiting', [['u4', 'waiting']])])
  it('finds my task only on the active step and while it is pending', () => {
    expect(myPendingTask(a, 'u2')?.user_id).toBe('u2')
    expect(myPendingTask(a, 'u3')).toBeNull() // decided
    expect(myPendingTask(a, 'u4')).toBeNull() // a later step
    expect(myPendingTask(a, undefined)).toBeNull()
    expect(myPendingTask({ ...a, state: 'rejected' }, 'u2')).toBeNull()
  })
  it('counts approvals against what each step requires', () => {
    expect(approvalProgress(a)).toEqual({ approved: 2, total: 4, step: 2, steps: 3 })
    const any = approval([step(1, 'approved', [['u1', 'approved'], ['u2', 'approved']], 1)], { state: 'approved' })
    expect(approvalProgress(any)).toEqual({ approved: 1, total: 1, step: 1, steps: 1 })
  })
  it('parallel steps of one order are one step', () => {
    const p = approval([step(1, 'active', [['u1', 'pending']]), step(1, 'active', [['u2', 'pending']])])
    expect(approvalProgress(p).steps).toBe(1)
  })
  it('the newest route of a document', () => {
    const older = approval([], { id: 'x', created_at: 1 })
    const newer = approval([], { id: 'y', created_at: 5 })
    const other = approval([], { id: 'z', created_at: 9, document_id: 'd2' })
    expect(latestApproval('d1', [older, newer, other])?.id).toBe('y')
    expect(latestApproval('d3', [older])).toBeNull()
  })
  it('asks for a comment for remarks and, when the type says so, for a rejection', () => {
    expect(commentMissing('approve', '', true)).toBe(false)
    expect(commentMissing('approve_with_remarks', '  ', false)).toBe(true)
    expect(commentMissing('reject', '', true)).toBe(true)
    expect(commentMissing('reject', '', false)).toBe(false)
    expect(commentMissing('reject', 'цена завышена', true)).toBe(false)
  })
  it('tells how urgent a deadline is', () => {
    const now = 1_000_000_000
    expect(deadlineUrgency(now - 1, now)).toBe('overdue')
    expect(deadlineUrgency(now + 3600_000, now)).toBe('soon')
    expect(deadlineUrgency(now + 3 * 24 * 3600_000, now)).toBe('ok')
  })
})

describe('documents by whose they are', () => {
  const cp = (id: string, name: string): Counterparty => ({ id, org_ref: id, name, user_ids: [], removed: false, created_at: 0 })
  const doc = (id: string, counterparty_id: string | null) => ({ id, counterparty_id }) as ObjectDocument
  it('the object’s own first, then the counterparties by name; a removed one still shows', () => {
    const g = groupDocuments([doc('1', 'c2'), doc('2', null), doc('3', 'c1'), doc('4', 'gone')], [cp('c1', 'Бета'), cp('c2', 'Альфа')])
    expect(g.map((x) => [x.counterparty?.name ?? null, x.documents.map((d) => d.id)])).toEqual([
      [null, ['2']],
      ['Альфа', ['1']],
      ['Бета', ['3']],
      [null, ['4']],
    ])
  })
})

describe('small helpers', () => {
  it('reads the object of a topic', () => {
    expect(objectIdOfTopic('object:42')).toBe('42')
    expect(objectIdOfTopic('chat:42')).toBeNull()
    expect(objectIdOfTopic(undefined)).toBeNull()
  })
  it('shortens a hash', () => {
    expect(shortHash('0123456789abcdef0123456789abcdef')).toBe('01234567…89abcdef')
    expect(shortHash('abc')).toBe('abc')
  })
})
