import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { chat as fixtureChat, user } from '@/api/fixtures'
import type { Chat, Message } from '@/api/types'

const postMessage = vi.fn()
const messagesApi = vi.fn()
const markRead = vi.fn()
const threadApi = vi.fn()
// Only the network calls are replaced; ApiError and everything else are the real module's, so the
// stores are tested against the client's actual error type, not a copy of it.
vi.mock('@/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('@/api/client')>()
  return {
    ...real,
    api: {
      ...real.api,
      postMessage: (...a: unknown[]) => postMessage(...a),
      messages: (...a: unknown[]) => messagesApi(...a),
      markRead: (...a: unknown[]) => markRead(...a),
      thread: (...a: unknown[]) => threadApi(...a),
      chat: vi.fn(() => new Promise(() => undefined)),
      user: vi.fn(() => new Promise(() => undefined)),
    },
    setUnauthorizedHandler: vi.fn(),
  }
})

const { useSession } = await import('@/features/auth/session')
const { useChats } = await import('./chats')
const { useMessages } = await import('./messages')
const { useMessengerRealtime } = await import('./realtime')
const { ApiError } = await import('@/api/client')

const chat: Chat = fixtureChat({ created_by: 'me', member_count: 2, my_role: 'owner' })
const real = (id: string, client_id: string | null, author = 'me'): Message => ({
  id,
  chat_id: 'c1',
  author_id: author,
  text: 'hello',
  client_id,
  created_at: 1000,
  deleted: false,
})

function event(pos: number, data: Message) {
  return { type: 'event' as const, pos, kind: 'message.created' as const, chat_id: 'c1', data }
}

beforeEach(() => {
  setActivePinia(createPinia())
  postMessage.mockReset()
  messagesApi.mockReset()
  markRead.mockReset()
  const session = useSession()
  session.me = { ...user('me', 'me', 'Me'), must_change_password: false }
  session.status = 'authenticated'
  useChats().byId.set('c1', { ...chat })
})

async function loaded() {
  messagesApi.mockResolvedValueOnce({ messages: [], has_more: false })
  const messages = useMessages()
  await messages.ensureLoaded('c1')
  return messages
}

describe('messages store: optimistic send', () => {
  it('shows a pending message at once and replaces it with the POST answer', async () => {
    const messages = await loaded()
    let resolve!: (m: Message) => void
    postMessage.mockReturnValueOnce(new Promise<Message>((r) => (resolve = r)))
    const sending = messages.send('c1', 'hello')
    expect(messages.timeline('c1').pending).toHaveLength(1)
    const clientId = postMessage.mock.calls[0][2] as string
    expect(clientId).toMatch(/^[0-9a-f-]{36}$/)
    resolve(real('100', clientId))
    await sending
    expect(messages.timeline('c1').pending).toHaveLength(0)
    expect(messages.timeline('c1').messages.map((m) => m.id)).toEqual(['100'])
  })

  it('shows the message once when the WebSocket event beats the POST answer', async () => {
    const messages = await loaded()
    const rt = useMessengerRealtime()
    let resolve!: (m: Message) => void
    postMessage.mockReturnValueOnce(new Promise<Message>((r) => (resolve = r)))
    const sending = messages.send('c1', 'hello')
    const clientId = postMessage.mock.calls[0][2] as string
    rt.dispatch(event(7, real('100', clientId)))
    expect(messages.timeline('c1').pending).toHaveLength(0)
    expect(messages.timeline('c1').messages).toHaveLength(1)
    resolve(real('100', clientId))
    await sending
    expect(messages.timeline('c1').messages).toHaveLength(1)
    expect(useChats().byId.get('c1')!.unread_count).toBe(0)
  })

  it('marks a message failed when the network is down and re-posts it with the same client_id', async () => {
    const messages = await loaded()
    postMessage.mockRejectedValueOnce(new ApiError(0, 'network', 'down'))
    await messages.send('c1', 'hello')
    const p = messages.timeline('c1').pending[0]
    expect(p.state).toBe('failed')
    postMessage.mockResolvedValueOnce(real('101', p.client_id))
    messages.retryAllFailed()
    await vi.waitFor(() => expect(messages.timeline('c1').pending).toHaveLength(0))
    expect(postMessage.mock.calls[1][2]).toBe(p.client_id)
    expect(messages.timeline('c1').messages).toHaveLength(1)
  })
})

describe('rate limits and resync', () => {
  it('keeps a message refused with 429 as not sent and re-posts it after Retry-After', async () => {
    const messages = await loaded()
    vi.useFakeTimers()
    try {
      postMessage.mockRejectedValueOnce(new ApiError(429, 'rate_limited', 'slow down', 3))
      await expect(messages.send('c1', 'keep me')).rejects.toMatchObject({ code: 'rate_limited' })
      const p = messages.timeline('c1').pending[0]
      expect(p).toMatchObject({ state: 'failed', text: 'keep me' })
      postMessage.mockResolvedValueOnce(real('102', p.client_id))
      await vi.advanceTimersByTimeAsync(2900)
      expect(postMessage).toHaveBeenCalledTimes(1)
      await vi.advanceTimersByTimeAsync(200)
      expect(postMessage).toHaveBeenCalledTimes(2)
      expect(postMessage.mock.calls[1][2]).toBe(p.client_id)
    } finally {
      vi.useRealTimers()
    }
    await vi.waitFor(() => expect(messages.timeline('c1').pending).toHaveLength(0))
  })

  it('resync drops loaded messages, keeps unsent ones and reloads the open chat', async () => {
    const messages = await loaded()
    const rt = useMessengerRealtime()
    rt.dispatch(event(5, real('90', null, 'other')))
    postMessage.mockRejectedValueOnce(new ApiError(0, 'network', 'down'))
    await messages.send('c1', 'unsent')
    useChats().activeId = 'c1'
    messagesApi.mockResolvedValueOnce({ messages: [real('95', null, 'other')], has_more: false })
    await messages.resync()
    const tl = messages.timeline('c1')
    expect(tl.messages.map((m) => m.id)).toEqual(['95'])
    expect(tl.pending.map((p) => p.text)).toEqual(['unsent'])
    expect(tl.loaded).toBe(true)
  })
})

describe('event dispatch', () => {
  it('updates unread counts live for chats not on screen', async () => {
    const rt = useMessengerRealtime()
    const chats = useChats()
    rt.dispatch(event(1, real('200', null, 'bob')))
    rt.dispatch(event(2, real('201', null, 'bob')))
    expect(chats.byId.get('c1')!.unread_count).toBe(2)
    expect(chats.totalUnread).toBe(2)
    chats.activeId = 'c1'
    rt.dispatch(event(3, real('202', null, 'bob')))
    expect(chats.byId.get('c1')!.unread_count).toBe(2)
  })

  it('marks read up to the newest loaded message', async () => {
    const messages = await loaded()
    const rt = useMessengerRealtime()
    rt.dispatch(event(1, real('300', null, 'bob')))
    markRead.mockResolvedValueOnce({ last_read_message_id: '300', unread_count: 0 })
    await messages.markRead('c1')
    expect(markRead).toHaveBeenCalledWith('c1', '300')
    expect(useChats().byId.get('c1')!.unread_count).toBe(0)
  })

  it('applies edits and deletes to the loaded timeline and the chat preview', async () => {
    const messages = await loaded()
    const rt = useMessengerRealtime()
    rt.dispatch(event(1, real('400', null, 'bob')))
    rt.dispatch({ type: 'event', pos: 2, kind: 'message.updated', chat_id: 'c1', data: { ...real('400', null, 'bob'), text: 'edited' } })
    expect(messages.timeline('c1').messages[0].text).toBe('edited')
    expect(useChats().byId.get('c1')!.last_message?.text).toBe('edited')
    rt.dispatch({ type: 'event', pos: 3, kind: 'message.deleted', chat_id: 'c1', data: { id: '400', chat_id: 'c1' } })
    expect(messages.timeline('c1').messages[0].deleted).toBe(true)
    expect(useChats().byId.get('c1')!.last_message?.deleted).toBe(true)
  })
})

describe('thread replies', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useSession().me = { id: 'me', username: 'me' } as never
  })

  it('routes message.created with thread_root_id to the thread, never to the chat list', async () => {
    const chats = useChats()
    const messages = useMessages()
    const rt = useMessengerRealtime()
    chats.byId.set('c1', { ...chat, unread_count: 0 })
    messagesApi.mockResolvedValueOnce({ messages: [real('10', null, 'u2')], has_more: false })
    await messages.loadNewest('c1')
    threadApi.mockResolvedValueOnce({ messages: [], has_more: false })
    await messages.loadThread('10')
    const reply = { ...real('11', null, 'u2'), thread_root_id: '10' }
    rt.dispatch({ type: 'event', pos: 1, kind: 'message.created', chat_id: 'c1', data: reply })
    expect(messages.timeline('c1').messages.map((m) => m.id)).toEqual(['10'])
    expect(messages.threadTimeline('10').messages.map((m) => m.id)).toEqual(['11'])
    expect(chats.byId.get('c1')!.unread_count).toBe(0)
    expect(chats.byId.get('c1')!.last_message?.id ?? null).not.toBe('11')
    // The root's reply_count update (message.updated) lands in the main list.
    rt.dispatch({ type: 'event', pos: 2, kind: 'message.updated', chat_id: 'c1', data: { ...real('10', null, 'u2'), reply_count: 1 } })
    expect(messages.timeline('c1').messages[0].reply_count).toBe(1)
  })

  it('sends a thread reply optimistically into the thread with thread_root_id', async () => {
    const messages = useMessages()
    useChats().byId.set('c1', { ...chat })
    threadApi.mockResolvedValueOnce({ messages: [], has_more: false })
    await messages.loadThread('10')
    let resolve: (m: Message) => void = () => undefined
    postMessage.mockReturnValueOnce(new Promise<Message>((r) => (resolve = r)))
    const p = messages.send('c1', 'in thread', { thread_root_id: '10' })
    expect(messages.threadTimeline('10').pending).toHaveLength(1)
    expect(messages.timeline('c1').pending).toHaveLength(0)
    const extra = postMessage.mock.calls.at(-1)![3]
    expect(extra.thread_root_id).toBe('10')
    const cid = postMessage.mock.calls.at(-1)![2]
    resolve({ ...real('12', cid), thread_root_id: '10', text: 'in thread' })
    await p
    expect(messages.threadTimeline('10').pending).toHaveLength(0)
    expect(messages.threadTimeline('10').messages.map((m) => m.id)).toEqual(['12'])
  })

  it('counts mentions of me in mention_count, apart from unread', () => {
    const chats = useChats()
    const rt = useMessengerRealtime()
    chats.byId.set('c1', { ...chat })
    rt.dispatch({ type: 'event', pos: 1, kind: 'message.created', chat_id: 'c1', data: { ...real('20', null, 'u2'), text: 'hey @me look', mentions: ['me'] } })
    rt.dispatch({ type: 'event', pos: 2, kind: 'message.created', chat_id: 'c1', data: { ...real('21', null, 'u2'), text: 'привет@me: no mention for the server', mentions: [] } })
    expect(chats.byId.get('c1')!.unread_count).toBe(2)
    expect(chats.byId.get('c1')!.mention_count).toBe(1)
    // Another member's chat.read must not move our marker.
    rt.dispatch({ type: 'event', pos: 3, kind: 'chat.read', chat_id: 'c1', data: { chat_id: 'c1', user_id: 'u2', last_read_message_id: '21' } })
    expect(chats.byId.get('c1')!.unread_count).toBe(2)
  })
})
