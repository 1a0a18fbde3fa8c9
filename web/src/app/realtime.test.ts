// The app's socket routes each event to the feature that claims its kind, and keeps what is nobody's.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { SocketLike } from '@/api/realtime'
import { chat, user } from '@/api/fixtures'
import type { LiveFrame, ServerEvent } from '@/api/types'
import { useSession } from '@/features/auth/session'
import type { Feature } from '@/features/feature'
import { features } from '@/features'
import { useChats } from '@/features/messenger/stores/chats'
import { useLive } from '@/features/messenger/stores/live'
import { useUsers } from '@/shared/users'
import { featureForEvent, useRealtime } from './realtime'

// The socket's first sync re-reads our own user; keep that off the network.
vi.mock('@/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('@/api/client')>()
  return { ...real, api: { ...real.api, me: vi.fn(() => Promise.reject(new Error('offline'))) } }
})

function ev(kind: string, data: unknown = {}): ServerEvent {
  return { type: 'event', pos: 1, kind, data } as unknown as ServerEvent
}

function fake(id: string, events: string[], live: LiveFrame['type'][] = []) {
  const got: string[] = []
  const f: Feature = {
    id,
    routes: [],
    events,
    live,
    onEvent: (e) => got.push(e.kind),
    onLive: (l) => got.push('live:' + l.type),
  }
  return { f, got }
}

beforeEach(() => {
  setActivePinia(createPinia())
  const session = useSession()
  session.me = { ...user('me', 'me', 'Me'), must_change_password: false }
  session.status = 'authenticated'
})

describe('app realtime: routing by kind', () => {
  it('hands an event to the feature whose prefix or kind matches, and to no other', () => {
    const support = fake('support', ['support.'])
    const video = fake('video', ['video.uploaded'])
    const rt = useRealtime()
    rt.use([support.f, video.f])
    rt.dispatch(ev('support.ticket_created'))
    rt.dispatch(ev('video.uploaded'))
    rt.dispatch(ev('video.transcoded')) // an exact kind is not a prefix
    rt.dispatch(ev('supportx.other')) // a prefix ends at its dot
    expect(support.got).toEqual(['support.ticket_created'])
    expect(video.got).toEqual(['video.uploaded'])
  })

  it('ignores a kind that no feature claims, without throwing', () => {
    const support = fake('support', ['support.'])
    const rt = useRealtime()
    rt.use([support.f])
    expect(() => rt.dispatch(ev('video.question_asked', { id: '1' }))).not.toThrow()
    expect(() => rt.dispatch(ev('', null))).not.toThrow()
    expect(support.got).toEqual([])
  })

  it('routes the messenger kinds of the real list to the messenger and nothing else to it', () => {
    for (const kind of ['message.created', 'chat.read', 'member.added', 'notification.created', 'scheduled_message.sent'])
      expect(featureForEvent(features, kind)?.id, kind).toBe('messenger')
    for (const kind of ['user.updated', 'session.revoked', 'video.question_asked', 'messages.x'])
      expect(featureForEvent(features, kind), kind).toBeUndefined()
    expect(featureForEvent(features, 'support.conversation.created')?.id).toBe('support')
  })

  it('delivers a real message event through the app to the messenger stores', () => {
    const rt = useRealtime()
    rt.use(features)
    const chats = useChats()
    chats.byId.set('c1', chat({ unread_count: 0 }))
    rt.dispatch({
      type: 'event',
      pos: 3,
      kind: 'message.created',
      topic: 'chat:c1',
      chat_id: 'c1',
      data: { id: '9', chat_id: 'c1', author_id: 'bob', text: 'hi', client_id: null, created_at: 1, deleted: false },
    })
    expect(chats.byId.get('c1')!.unread_count).toBe(1)
  })

  it('keeps user.updated for the shared users store and our own session', () => {
    const messengerLike = fake('m', ['message.'])
    const rt = useRealtime()
    rt.use([messengerLike.f])
    const users = useUsers()
    rt.dispatch(ev('user.updated', user('me', 'me', 'Me Renamed')))
    rt.dispatch(ev('user.updated', user('u2', 'bob', 'Bob')))
    expect(users.byId.get('u2')?.display_name).toBe('Bob')
    expect(useSession().me?.display_name).toBe('Me Renamed')
    expect(users.updates).toBe(2)
    expect(messengerLike.got).toEqual([])
  })
})

describe('app realtime: live frames', () => {
  it('applies presence to the shared users and to our own user', () => {
    const rt = useRealtime()
    rt.use(features)
    const users = useUsers()
    users.upsert(user('u2', 'bob', 'Bob'))
    rt.dispatchLive({ type: 'presence', users: [{ user_id: 'u2', presence: 'offline' }, { user_id: 'me', presence: 'away' }] })
    expect(users.byId.get('u2')?.presence).toBe('offline')
    expect(useSession().me?.presence).toBe('away')
  })

  it('hands typing to the feature that follows it (the messenger)', () => {
    const rt = useRealtime()
    rt.use(features)
    rt.dispatchLive({ type: 'typing', chat_id: 'c1', user_id: 'u2' })
    expect(useLive().typers('c1')).toEqual(['u2'])
  })

  it('survives a feature whose handler throws', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const bad: Feature = { id: 'bad', routes: [], live: ['typing'], onLive: () => { throw new Error('boom') } }
    const rt = useRealtime()
    rt.use([bad])
    expect(() => rt.dispatchLive({ type: 'typing', chat_id: 'c1', user_id: 'u2' })).not.toThrow()
    expect(warn).toHaveBeenCalled()
    warn.mockRestore()
  })
})

class FakeSocket implements SocketLike {
  readyState = 0
  sent: unknown[] = []
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }
  close(): void {
    this.readyState = 3
  }
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  frame(f: unknown): void {
    this.onmessage?.({ data: JSON.stringify(f) })
  }
}

describe('app realtime: the one socket', () => {
  function started(list: readonly Feature[]) {
    const sockets: FakeSocket[] = []
    const rt = useRealtime()
    void rt.start(list, {
      createSocket: () => {
        const s = new FakeSocket()
        sockets.push(s)
        return s
      },
    })
    sockets[0].open()
    return { rt, socket: sockets[0] }
  }

  it('tells every feature about sync and reset, and routes the backlog by kind', async () => {
    const calls: string[] = []
    const a: Feature = {
      id: 'a',
      routes: [],
      events: ['a.'],
      onEvent: (e) => calls.push('a:' + e.kind),
      onSynced: ({ resumed }) => calls.push('a:synced:' + resumed),
      onReset: () => calls.push('a:reset'),
    }
    const b: Feature = { id: 'b', routes: [], onReset: () => calls.push('b:reset'), onSynced: () => calls.push('b:synced') }
    const { rt, socket } = started([a, b])
    expect(socket.sent).toEqual([{ type: 'hello', last_pos: null }])
    socket.frame({ type: 'hello_ok', user_id: 'me', head: 10 })
    socket.frame({ type: 'resync_required' })
    socket.frame({ type: 'event', pos: 11, kind: 'a.done', topic: 'a:1', data: {} })
    socket.frame({ type: 'event', pos: 12, kind: 'zzz.unknown', data: {} })
    socket.frame({ type: 'synced', pos: 12 })
    expect(calls).toEqual(['a:reset', 'b:reset', 'a:a.done', 'a:synced:false', 'b:synced'])
    expect(rt.state).toBe('online')
    expect(rt.everOnline).toBe(true)
    rt.stop()
  })

  it('sends a feature\'s frame only while online', () => {
    const { rt, socket } = started([])
    rt.send({ type: 'typing', chat_id: 'c1' })
    socket.frame({ type: 'hello_ok', user_id: 'me', head: 0 })
    socket.frame({ type: 'synced', pos: 0 })
    rt.send({ type: 'typing', chat_id: 'c1' })
    expect(socket.sent).toEqual([{ type: 'hello', last_pos: null }, { type: 'typing', chat_id: 'c1' }])
    rt.stop()
  })

  it('signs out when the server closes the socket as revoked (4001)', () => {
    const { rt, socket } = started(features)
    socket.frame({ type: 'hello_ok', user_id: 'me', head: 0 })
    socket.onclose?.({ code: 4001 })
    expect(useSession().status).toBe('anonymous')
    expect(rt.state).toBe('closed')
    rt.stop()
  })
})
