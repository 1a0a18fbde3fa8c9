// The client's wire types against the protocol's documentation (docs/api.md), so that a kind or
// frame the server never sends cannot linger in the client, and a documented one cannot be missed.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { APP_EVENTS } from '@/app/realtime'
import { features } from '@/features'
import { claims } from '@/features/feature'
import { EVENT_KINDS, type ServerFrame } from './types'

const api = readFileSync(resolve(__dirname, '../../../docs/api.md'), 'utf8')

function section(title: string): string {
  const start = api.indexOf(title)
  expect(start, `docs/api.md has no section "${title}"`).toBeGreaterThanOrEqual(0)
  const next = api.indexOf('\n## ', start + title.length)
  return api.slice(start, next === -1 ? undefined : next)
}

/** The kinds of the table in "Real-time: WebSocket". */
function documentedKinds(): string[] {
  const realtime = section('## Real-time: WebSocket')
  const table = realtime.slice(realtime.indexOf('| kind | data | delivered to |'))
  // A row's first cell names one kind or several (`a.sent`, `a.failed`) that share its data.
  const documented = [...table.matchAll(/^\| ((?:`[a-z_]+\.[a-z_.]+`(?:, )?)+) \|/gm)].flatMap((m) =>
    [...m[1].matchAll(/`([^`]+)`/g)].map((k) => k[1]),
  )
  return [...new Set(documented)].sort()
}

describe('wire types match docs/api.md', () => {
  it('event kinds: exactly the kinds of the documented table', () => {
    const documented = documentedKinds()
    expect(documented.length).toBeGreaterThan(5)
    expect([...EVENT_KINDS].sort()).toEqual(documented)
  })

  it('every documented kind has exactly one owner: a feature or the app', () => {
    for (const kind of documentedKinds()) {
      const owners = [
        ...features.filter((f) => claims(f, kind)).map((f) => f.id),
        ...(APP_EVENTS.some((k) => k === kind) ? ['app'] : []),
      ]
      expect(owners, `event kind "${kind}"`).toHaveLength(1)
    }
  })

  it('every kind a feature or the app claims is documented (no claim for a kind that does not exist)', () => {
    const documented = documentedKinds()
    for (const f of features) {
      for (const c of f.events ?? []) {
        const hits = documented.filter((k) => claims({ events: [c] }, k))
        expect(hits.length, `feature ${f.id} claims "${c}", which matches no documented kind`).toBeGreaterThan(0)
      }
    }
    for (const k of APP_EVENTS) expect(documented).toContain(k)
  })

  it('event frames carry the documented fields', () => {
    const realtime = section('## Real-time: WebSocket')
    const frame = /\{"type": "event"[^\n]*\}/.exec(realtime)?.[0] ?? ''
    // Keep in step with ServerEvent (types.ts): the fields the client reads.
    for (const field of ['pos', 'kind', 'topic', 'chat_id', 'data']) expect(frame).toContain(`"${field}"`)
  })

  it('error frames carry code, status and message', () => {
    const realtime = section('## Real-time: WebSocket')
    const error = /\{"type":"error",\s*"code":"[a-z_]+","status":\d+,\s*"message":/.exec(realtime)
    expect(error, 'an error frame example with code, status and message').not.toBeNull()
    const frame: Extract<ServerFrame, { type: 'error' }> = { type: 'error', code: 'invalid_frame', status: 400, message: '…' }
    expect(Object.keys(frame).sort()).toEqual(['code', 'message', 'status', 'type'])
  })

  it('server frame types: every type the client knows is documented', () => {
    // The union's `type`s, listed once here for the check (TypeScript types do not exist at run time).
    const known: ServerFrame['type'][] = ['hello_ok', 'synced', 'resync_required', 'pong', 'error', 'typing', 'presence', 'event']
    const realtime = section('## Real-time: WebSocket')
    for (const type of known) {
      expect(new RegExp(`"type":\\s*"${type}"`).test(realtime), `frame type "${type}" is not in docs/api.md`).toBe(true)
    }
  })
})
