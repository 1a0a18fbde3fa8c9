// The client's wire types against the protocol's documentation (docs/api.md), so that a kind or
// frame the server never sends cannot linger in the client, and a documented one cannot be missed.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EVENT_KINDS, type ServerFrame } from './types'

const api = readFileSync(resolve(__dirname, '../../../docs/api.md'), 'utf8')

function section(title: string): string {
  const start = api.indexOf(title)
  expect(start, `docs/api.md has no section "${title}"`).toBeGreaterThanOrEqual(0)
  const next = api.indexOf('\n## ', start + title.length)
  return api.slice(start, next === -1 ? undefined : next)
}

describe('wire types match docs/api.md', () => {
  it('event kinds: exactly the kinds of the documented table', () => {
    const realtime = section('## Real-time: WebSocket')
    const table = realtime.slice(realtime.indexOf('| kind | data | delivered to |'))
    // A row's first cell names one kind or several (`a.sent`, `a.failed`) that share its data.
    const documented = [...table.matchAll(/^\| ((?:`[a-z_]+\.[a-z_.]+`(?:, )?)+) \|/gm)].flatMap((m) =>
      [...m[1].matchAll(/`([^`]+)`/g)].map((k) => k[1]),
    )
    expect(documented.length).toBeGreaterThan(5)
    expect([...EVENT_KINDS].sort()).toEqual([...new Set(documented)].sort())
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
