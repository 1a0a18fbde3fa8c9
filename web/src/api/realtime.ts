// One resumable WebSocket to /api/v1/ws (docs/api.md, "Real-time").
// The connection remembers the pos of the last event it handed to the app and resumes from it after
// every reconnect, so the app sees each event exactly once; events at or below that pos are dropped.
import type { ClientFrame, LiveFrame, ServerEvent, ServerFrame } from './types'

export type ConnectionState = 'idle' | 'connecting' | 'syncing' | 'online' | 'reconnecting' | 'closed'

/** The subset of the browser WebSocket that the connection uses; tests pass a fake. */
export interface SocketLike {
  readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason?: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export interface RealtimeHandlers {
  /** Every new event, in order. Events with a pos arrive at most once. */
  onEvent(event: ServerEvent): void
  onState?(state: ConnectionState, info: { attempt: number; retryInMs: number | null }): void
  /** The server cannot resume from our position (`resync_required`: events purged by retention, a
   *  server restored from a backup, another server's positions): drop cached state, reload it over REST. */
  onReset?(): void
  /** The backlog after hello has been delivered; live events follow. */
  onSynced?(info: { resumed: boolean }): void
  /** Close code 4001: the session was revoked; the user must log in again. */
  onRevoked?(): void
  /** Live-only frames that are not part of the event log (typing, presence). */
  onLive?(frame: LiveFrame): void
}

export interface RealtimeOptions {
  url: string
  createSocket?: (url: string) => SocketLike
  timers?: {
    setTimeout: (fn: () => void, ms: number) => unknown
    clearTimeout: (handle: unknown) => void
    now: () => number
  }
  random?: () => number
  baseDelayMs?: number
  maxDelayMs?: number
  /** Client ping period; the connection is declared dead after 2.5 periods of silence. */
  pingIntervalMs?: number
  helloTimeoutMs?: number
}

const OPEN = 1

export function backoffDelay(attempt: number, base: number, max: number, random: number): number {
  const exp = Math.min(max, base * 2 ** Math.min(attempt, 20))
  // "Equal jitter": half fixed, half random, so a fleet of clients doesn't reconnect in lockstep.
  return Math.round(exp / 2 + (exp / 2) * random)
}

export class RealtimeConnection {
  /** Pos of the last event handed to onEvent (or the head we started from). Kept for the session. */
  lastPos: number | null = null
  state: ConnectionState = 'idle'
  attempt = 0

  private socket: SocketLike | null = null
  private stopped = true
  private retryTimer: unknown = null
  private pingTimer: unknown = null
  private helloTimer: unknown = null
  private lastFrameAt = 0
  private resumed = false
  /** Head announced by this connection's hello_ok, and whether it was already reset. */
  private helloHead: number | null = null
  private resetDone = false
  private resyncPending = false
  /** Events received but not yet handed to onEvent: a burst is delivered in one task, so the UI
   *  renders once per batch instead of once per event. */
  private queue: ServerEvent[] = []
  private flushTimer: unknown = null
  private readonly opts: Required<Omit<RealtimeOptions, 'createSocket'>> & Pick<RealtimeOptions, 'createSocket'>

  constructor(
    options: RealtimeOptions,
    private readonly handlers: RealtimeHandlers,
  ) {
    this.opts = {
      timers: {
        setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
        clearTimeout: (h) => globalThis.clearTimeout(h as number),
        now: () => Date.now(),
      },
      random: Math.random,
      baseDelayMs: 500,
      maxDelayMs: 15_000,
      pingIntervalMs: 20_000,
      helloTimeoutMs: 10_000,
      ...options,
    }
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.connect()
  }

  stop(): void {
    this.stopped = true
    this.queue = []
    if (this.flushTimer !== null) this.opts.timers.clearTimeout(this.flushTimer)
    this.flushTimer = null
    this.clearTimers()
    const s = this.socket
    this.socket = null
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null
      try {
        s.close(1000, 'bye')
      } catch {
        /* already closed */
      }
    }
    this.setState('closed', null)
  }

  /** Skip the backoff wait (e.g. the browser reports it is online again). */
  reconnectNow(): void {
    if (this.stopped) return
    if (this.state === 'reconnecting') {
      this.clearTimers()
      this.connect()
    }
  }

  private connect(): void {
    this.clearTimers()
    this.setState(this.attempt === 0 && this.lastPos === null ? 'connecting' : 'reconnecting', null)
    let socket: SocketLike
    try {
      socket = this.opts.createSocket
        ? this.opts.createSocket(this.opts.url)
        : (new WebSocket(this.opts.url) as unknown as SocketLike)
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      this.lastFrameAt = this.opts.timers.now()
      this.resumed = this.lastPos !== null
      this.helloHead = null
      this.resetDone = false
      this.resyncPending = false
      this.send({ type: 'hello', last_pos: this.lastPos })
      this.helloTimer = this.opts.timers.setTimeout(() => this.drop(), this.opts.helloTimeoutMs)
    }
    socket.onmessage = (ev) => this.onFrame(ev.data)
    socket.onerror = () => {
      /* onclose follows */
    }
    socket.onclose = (ev) => {
      if (this.socket !== socket) return
      this.flush()
      this.socket = null
      this.clearTimers()
      if (this.stopped) return
      if (ev.code === 4001) {
        this.stopped = true
        this.setState('closed', null)
        this.handlers.onRevoked?.()
        return
      }
      this.scheduleReconnect()
    }
  }

  private onFrame(raw: unknown): void {
    this.lastFrameAt = this.opts.timers.now()
    let frame: ServerFrame
    try {
      frame = JSON.parse(String(raw)) as ServerFrame
    } catch {
      return
    }
    switch (frame.type) {
      case 'hello_ok': {
        this.flush()
        if (this.helloTimer !== null) this.opts.timers.clearTimeout(this.helloTimer)
        this.helloTimer = null
        this.helloHead = frame.head
        if (this.lastPos === null) {
          this.lastPos = frame.head
        } else if (frame.head < this.lastPos || this.resyncPending) {
          // The server does not know our position any more: nothing can be resumed.
          this.reset(frame.head)
        }
        this.setState('syncing', null)
        this.schedulePing()
        break
      }
      case 'resync_required': {
        // Sent right after hello_ok; tolerate it before hello_ok too (then the head is not known yet).
        if (this.helloHead === null) this.resyncPending = true
        else this.reset(this.helloHead)
        break
      }
      case 'synced': {
        this.flush()
        if (this.lastPos === null || frame.pos > this.lastPos) this.lastPos = frame.pos
        this.attempt = 0
        this.setState('online', null)
        this.handlers.onSynced?.({ resumed: this.resumed })
        break
      }
      case 'event': {
        const pos = frame.pos
        if (typeof pos === 'number') {
          if (this.lastPos !== null && pos <= this.lastPos) return // already processed
          this.lastPos = pos
        }
        this.queue.push(frame)
        if (this.flushTimer === null) this.flushTimer = this.opts.timers.setTimeout(() => this.flush(), 0)
        break
      }
      case 'typing':
      case 'presence':
        this.handlers.onLive?.(frame)
        break
      default:
        break
    }
  }

  /** Continue from `head`: whatever was cached is stale, so the app reloads it (once per connection). */
  private reset(head: number): void {
    this.resyncPending = false
    this.queue = []
    this.lastPos = head
    if (this.resetDone) return
    this.resetDone = true
    this.handlers.onReset?.()
  }

  /** A frame for a module's WebSocket action (`typing`: the server rate-limits it to one per 2 s);
   *  live only, so it is dropped unless online. */
  sendFrame(frame: Exclude<ClientFrame, { type: 'hello' } | { type: 'ping' }>): void {
    if (this.state === 'online') this.send(frame)
  }

  /** Hand queued events to the app, in order. */
  flush(): void {
    if (this.flushTimer !== null) this.opts.timers.clearTimeout(this.flushTimer)
    this.flushTimer = null
    const batch = this.queue
    this.queue = []
    for (const ev of batch) {
      try {
        this.handlers.onEvent(ev)
      } catch (e) {
        console.warn('veche: event handler failed', ev.kind, e)
      }
    }
  }

  private schedulePing(): void {
    const period = this.opts.pingIntervalMs
    this.pingTimer = this.opts.timers.setTimeout(() => {
      if (this.opts.timers.now() - this.lastFrameAt > period * 2.5) {
        this.drop()
        return
      }
      this.send({ type: 'ping' })
      this.schedulePing()
    }, period)
  }

  /** Abandon a connection that looks dead and go through the normal reconnect path. */
  private drop(): void {
    const s = this.socket
    if (!s) return
    this.socket = null
    s.onclose = s.onmessage = s.onerror = s.onopen = null
    try {
      s.close(4000, 'timeout')
    } catch {
      /* ignore */
    }
    this.clearTimers()
    if (!this.stopped) this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt, this.opts.baseDelayMs, this.opts.maxDelayMs, this.opts.random())
    this.attempt++
    this.setState('reconnecting', delay)
    this.retryTimer = this.opts.timers.setTimeout(() => {
      this.retryTimer = null
      this.connect()
    }, delay)
  }

  private send(frame: ClientFrame): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(frame))
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.pingTimer, this.helloTimer]) {
      if (t !== null) this.opts.timers.clearTimeout(t)
    }
    this.retryTimer = this.pingTimer = this.helloTimer = null
  }

  private setState(state: ConnectionState, retryInMs: number | null): void {
    this.state = state
    this.handlers.onState?.(state, { attempt: this.attempt, retryInMs })
  }
}

export function defaultSocketUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${location.host}/api/v1/ws`
}
