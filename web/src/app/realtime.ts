// The app's one WebSocket (docs/api.md, "Real-time: WebSocket"). It hands every event, in pos order,
// to the feature that claims its kind (Feature.events) and every live frame to the feature that
// follows its type; what belongs to no feature stays here: our own user and session (`user.updated`,
// `session.revoked`, close code 4001) and presence, which update the shared users store.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { type ConnectionState, defaultSocketUrl, RealtimeConnection, type RealtimeOptions } from '@/api/realtime'
import type { ClientFrame, LiveFrame, ServerEvent } from '@/api/types'
import { useSession } from '@/features/auth/session'
import { claims, type Feature } from '@/features/feature'
import { useUsers } from '@/shared/users'

/** The kinds the app handles itself; wire.test.ts counts them with the features' claims. */
export const APP_EVENTS = ['user.updated', 'session.revoked'] as const

/** The feature that claims `kind`, if any (a kind nobody claims is dropped: an older client meeting
 *  a newer server's module). */
export function featureForEvent(features: readonly Feature[], kind: string): Feature | undefined {
  return features.find((f) => claims(f, kind))
}

/** Calls `fn` for every feature; one feature's failure must not keep the others from their turn. */
function each(features: readonly Feature[], what: string, fn: (f: Feature) => void): void {
  for (const f of features) {
    try {
      fn(f)
    } catch (e) {
      console.warn(`veche: feature ${f.id}: ${what} failed`, e)
    }
  }
}

export const useRealtime = defineStore('realtime', () => {
  const state = ref<ConnectionState>('idle')
  const retryInMs = ref<number | null>(null)
  /** Set once the first hello/synced round has happened; the banner stays quiet before that. */
  const everOnline = ref(false)
  const session = useSession()
  const users = useUsers()
  let features: readonly Feature[] = []
  let conn: RealtimeConnection | null = null
  let firstSync: Promise<void> | null = null

  /** The features the socket serves; start() sets them, tests may set them alone. */
  function use(list: readonly Feature[]): void {
    features = list
  }

  function dispatch(ev: ServerEvent): void {
    switch (ev.kind) {
      case 'user.updated':
        users.onUpdated(ev.data)
        session.updateMe(ev.data)
        return
      case 'session.revoked':
        // Our own revoked session is closed with 4001 right after (onRevoked); others' sessions
        // are re-read when the sessions page opens.
        return
    }
    featureForEvent(features, ev.kind)?.onEvent?.(ev)
  }

  function dispatchLive(frame: LiveFrame): void {
    if (frame.type === 'presence') {
      for (const u of frame.users) {
        users.setPresence(u.user_id, u.presence)
        if (session.me && u.user_id === session.me.id) session.me = { ...session.me, presence: u.presence }
      }
      return
    }
    const f = features.find((x) => x.live?.includes(frame.type))
    try {
      f?.onLive?.(frame)
    } catch (e) {
      console.warn(`veche: feature ${f?.id}: live frame ${frame.type} failed`, e)
    }
  }

  /** Opens the socket; resolves after the first hello_ok (or a short timeout) so that a snapshot
   *  taken afterwards (Feature.onStart) cannot miss an event. Tests pass a fake socket in `options`. */
  function start(list: readonly Feature[], options: Omit<RealtimeOptions, 'url'> = {}): Promise<void> {
    use(list)
    if (conn) return firstSync ?? Promise.resolve()
    let resolveFirst: () => void = () => undefined
    firstSync = new Promise<void>((r) => {
      resolveFirst = r
      setTimeout(r, 1500)
    })
    conn = new RealtimeConnection(
      { url: defaultSocketUrl(), ...options },
      {
        onEvent: dispatch,
        onState(s, info) {
          state.value = s
          retryInMs.value = info.retryInMs
          if (s === 'syncing') resolveFirst()
        },
        onSynced(info) {
          if (!everOnline.value) void session.refresh().then(() => session.me && users.upsert(session.me))
          everOnline.value = true
          each(features, 'onSynced', (f) => f.onSynced?.(info))
        },
        onReset() {
          // Whatever events we missed are gone: every feature reloads from REST what it holds.
          each(features, 'onReset', (f) => f.onReset?.())
        },
        onRevoked() {
          session.forget()
        },
        onLive: dispatchLive,
      },
    )
    conn.start()
    if (typeof window !== 'undefined') window.addEventListener('online', onOnline)
    return firstSync
  }

  function onOnline(): void {
    conn?.reconnectNow()
  }

  function reconnectNow(): void {
    conn?.reconnectNow()
  }

  function stop(): void {
    conn?.stop()
    conn = null
    firstSync = null
    state.value = 'idle'
    everOnline.value = false
    if (typeof window !== 'undefined') window.removeEventListener('online', onOnline)
  }

  /** A frame for the server's modules (`typing`, `<module>.<verb>`); dropped unless online. */
  function send(frame: Exclude<ClientFrame, { type: 'hello' } | { type: 'ping' }>): void {
    conn?.sendFrame(frame)
  }

  return { state, retryInMs, everOnline, use, start, stop, reconnectNow, dispatch, dispatchLive, send }
})
