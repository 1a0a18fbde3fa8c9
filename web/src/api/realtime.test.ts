import { describe, expect, it } from 'vitest'
import { backoffDelay, RealtimeConnection, type SocketLike } from './realtime'
import type { LiveFrame, ServerEvent } from './types'

class FakeSocket implements SocketLike {
  readyState = 0
  sent: unknown[] = []
  closed: number | null = null
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }
  close(code = 1000): void {
    this.closed = code
  }
  // server side helpers
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  afterFrame: () => void = () => undefined
  frame(f: unknown): void {
    this.onmessage?.({ data: JSON.stringify(f) })
    this.afterFrame()
  }
  drop(code = 1006): void {
    this.readyState = 3
    this.onclose?.({ code })
  }
}

class FakeTimers {
  now = 0
  private seq = 0
  tasks = new Map<number, { at: number; fn: () => void }>()
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq
    this.tasks.set(id, { at: this.now + ms, fn })
    return id
  }
  clearTimeout = (h: unknown): void => {
    this.tasks.delete(h as number)
  }
  /** Run every task due up to now+ms, in time order. */
  advance(ms: number): void {
    const end = this.now + ms
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null
      for (const e of this.tasks) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e
      if (!next) break
      this.tasks.delete(next[0])
      this.now = next[1].at
      next[1].fn()
    }
    this.now = end
  }
  pendingDelays(): number[] {
    return [...this.tasks.values()].map((t) => t.at - this.now)
  }
}

function setup() {
  const sockets: FakeSocket[] = []
  const timers = new FakeTimers()
  const events: ServerEvent[] = []
  const live: LiveFrame[] = []
  const states: string[] = []
  let resets = 0
  let revoked = 0
  const conn = new RealtimeConnection(
    {
      url: 'ws://test/api/v1/ws',
      createSocket: () => {
        const s = new FakeSocket()
        // Events are delivered in batches on a zero-delay timer; run it after each frame.
        s.afterFrame = () => timers.advance(0)
        sockets.push(s)
        return s
      },
      timers: { setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, now: () => timers.now },
      random: () => 0.5,
      pingIntervalMs: 20_000,
    },
    {
      onEvent: (e) => events.push(e),
      onState: (s) => states.push(s),
      onReset: () => resets++,
      onRevoked: () => revoked++,
      onLive: (f) => live.push(f),
    },
  )
  return { conn, sockets, timers, events, live, states, resets: () => resets, revoked: () => revoked }
}

const ev = (pos: number | null, id = String(pos)): ServerEvent => ({
  type: 'event',
  pos,
  kind: 'message.created',
  chat_id: '1',
  data: { id, chat_id: '1', author_id: '9', text: 'x', created_at: 0, deleted: false },
})

describe('RealtimeConnection', () => {
  it('starts from now with last_pos null, then adopts the head', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    expect(t.sockets[0].sent[0]).toEqual({ type: 'hello', last_pos: null })
    t.sockets[0].frame({ type: 'hello_ok', user_id: '9', head: 41 })
    expect(t.conn.lastPos).toBe(41)
    t.sockets[0].frame({ type: 'synced', pos: 41 })
    expect(t.conn.state).toBe('online')
  })

  it('delivers each event once: drops positions at or below the last processed one', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.sockets[0].frame({ type: 'hello_ok', user_id: '9', head: 10 })
    for (const p of [11, 12, 12, 11, 13]) t.sockets[0].frame(ev(p))
    expect(t.events.map((e) => e.pos)).toEqual([11, 12, 13])
    expect(t.conn.lastPos).toBe(13)
  })

  it('hands live-only frames (presence, typing) to onLive and keeps the position', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.sockets[0].frame({ type: 'hello_ok', user_id: '9', head: 5 })
    t.sockets[0].frame({ type: 'presence', users: [{ user_id: '2', presence: 'away' }] })
    t.sockets[0].frame({ type: 'typing', chat_id: 'c1', user_id: '2' })
    expect(t.live.map((f) => f.type)).toEqual(['presence', 'typing'])
    expect(t.events).toHaveLength(0)
    expect(t.conn.lastPos).toBe(5)
  })

  it('reconnects with backoff and resumes from the last processed pos', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.sockets[0].frame({ type: 'hello_ok', user_id: '9', head: 100 })
    t.sockets[0].frame({ type: 'synced', pos: 100 })
    t.sockets[0].frame(ev(101))
    t.sockets[0].frame(ev(102))
    t.sockets[0].drop()
    expect(t.conn.state).toBe('reconnecting')
    expect(t.sockets).toHaveLength(1)
    t.timers.advance(1000)
    expect(t.sockets).toHaveLength(2)
    t.sockets[1].open()
    expect(t.sockets[1].sent[0]).toEqual({ type: 'hello', last_pos: 102 })
    t.sockets[1].frame({ type: 'hello_ok', user_id: '9', head: 104 })
    // The backlog after 102, with an overlap the client must ignore.
    for (const p of [102, 103, 104]) t.sockets[1].frame(ev(p))
    t.sockets[1].frame({ type: 'synced', pos: 104 })
    expect(t.events.map((e) => e.pos)).toEqual([101, 102, 103, 104])
    expect(t.conn.attempt).toBe(0)
  })

  it('backs off exponentially while the server stays down, capped', () => {
    const t = setup()
    t.conn.start()
    const delays: number[] = []
    for (let i = 0; i < 8; i++) {
      t.sockets[t.sockets.length - 1].drop()
      delays.push(Math.max(...t.timers.pendingDelays()))
      t.timers.advance(delays[delays.length - 1])
    }
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1])
    expect(delays[0]).toBeLessThan(1000)
    expect(delays[delays.length - 1]).toBeLessThanOrEqual(15_000)
    expect(backoffDelay(30, 500, 15_000, 1)).toBe(15_000)
  })

  it('stops on close code 4001 (session revoked) without reconnecting', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.sockets[0].drop(4001)
    expect(t.revoked()).toBe(1)
    t.timers.advance(60_000)
    expect(t.sockets).toHaveLength(1)
  })

  it('asks for a reset when the server head is behind our position', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.sockets[0].frame({ type: 'hello_ok', user_id: '9', head: 50 })
    t.sockets[0].frame(ev(51))
    t.sockets[0].drop()
    t.timers.advance(1000)
    t.sockets[1].open()
    t.sockets[1].frame({ type: 'hello_ok', user_id: '9', head: 3 })
    expect(t.resets()).toBe(1)
    expect(t.conn.lastPos).toBe(3)
    t.sockets[1].frame(ev(4))
    expect(t.events.map((e) => e.pos)).toEqual([51, 4])
  })

  it('on resync_required after hello_ok (last_pos purged by retention) resets once and continues from the head', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.sockets[0].frame({ type: 'hello_ok', user_id: '9', head: 10 })
    t.sockets[0].frame({ type: 'synced', pos: 10 })
    t.sockets[0].frame(ev(11))
    t.sockets[0].drop()
    t.timers.advance(1000)
    t.sockets[1].open()
    expect(t.sockets[1].sent[0]).toEqual({ type: 'hello', last_pos: 11 })
    // docs/api.md: hello_ok carries the head; resync_required follows; then synced at the head.
    t.sockets[1].frame({ type: 'hello_ok', user_id: '9', head: 5000 })
    expect(t.resets()).toBe(0)
    t.sockets[1].frame({ type: 'resync_required' })
    expect(t.resets()).toBe(1)
    expect(t.conn.lastPos).toBe(5000)
    t.sockets[1].frame({ type: 'synced', pos: 5000 })
    expect(t.conn.state).toBe('online')
    t.sockets[1].frame(ev(5000))
    t.sockets[1].frame(ev(5001))
    expect(t.events.map((e) => e.pos)).toEqual([11, 5001])
    // The next reconnect resumes from the new head, without another reset.
    t.sockets[1].drop()
    t.timers.advance(1000)
    t.sockets[2].open()
    expect(t.sockets[2].sent[0]).toEqual({ type: 'hello', last_pos: 5001 })
    t.sockets[2].frame({ type: 'hello_ok', user_id: '9', head: 5001 })
    t.sockets[2].frame({ type: 'synced', pos: 5001 })
    expect(t.resets()).toBe(1)
  })

  it('resets once when the server head is behind us and it also sends resync_required', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.sockets[0].frame({ type: 'hello_ok', user_id: '9', head: 50 })
    t.sockets[0].drop()
    t.timers.advance(1000)
    t.sockets[1].open()
    t.sockets[1].frame({ type: 'hello_ok', user_id: '9', head: 3 })
    t.sockets[1].frame({ type: 'resync_required' })
    t.sockets[1].frame({ type: 'synced', pos: 3 })
    expect(t.resets()).toBe(1)
    expect(t.conn.lastPos).toBe(3)
  })

  it('accepts resync_required before hello_ok and adopts the head that follows', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.sockets[0].frame({ type: 'hello_ok', user_id: '9', head: 7 })
    t.sockets[0].frame(ev(8))
    t.sockets[0].drop()
    t.timers.advance(1000)
    t.sockets[1].open()
    t.sockets[1].frame({ type: 'resync_required' })
    t.sockets[1].frame({ type: 'hello_ok', user_id: '9', head: 900 })
    expect(t.resets()).toBe(1)
    expect(t.conn.lastPos).toBe(900)
  })

  it('delivers a burst of events in one batch, in order, before synced', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.sockets[0].frame({ type: 'hello_ok', user_id: '9', head: 0 })
    t.sockets[0].afterFrame = () => undefined
    for (let p = 1; p <= 50; p++) t.sockets[0].frame(ev(p))
    expect(t.events).toHaveLength(0)
    t.sockets[0].frame({ type: 'synced', pos: 50 })
    expect(t.events.map((e) => e.pos)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
  })

  it('pings and drops a silent connection', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.sockets[0].frame({ type: 'hello_ok', user_id: '9', head: 1 })
    t.timers.advance(20_000)
    expect(t.sockets[0].sent).toContainEqual({ type: 'ping' })
    t.timers.advance(40_000)
    expect(t.sockets[0].closed).toBe(4000)
    expect(t.conn.state).toBe('reconnecting')
  })

  it('drops a connection that never answers hello', () => {
    const t = setup()
    t.conn.start()
    t.sockets[0].open()
    t.timers.advance(10_000)
    expect(t.sockets[0].closed).toBe(4000)
  })
})
