// Shared set-up for the component tests: a fresh Pinia, English UI strings, a memory router with
// the messenger's routes, the signed-in user and a few known users; the API calls are spied on, so
// nothing goes to the network.
import { mount, type ComponentMountingOptions } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { vi } from 'vitest'
import { defineComponent, type Component } from 'vue'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import { api } from '@/api/client'
import type { Me, Message, Poll } from '@/api/types'
import { chat, scheduledMessage, user } from '@/api/fixtures'
import { useSession } from '@/features/auth/session'
import en from '@/i18n/en'
import { chatUi } from '../chatUi'
import { useUsers } from '@/shared/users'

export { chat, scheduledMessage, user }

export const ME: Me = user('u1', 'alice', 'Alice Petrova', { must_change_password: false }) as Me
export const BOB = user('u2', 'bob', 'Bob Stone')
export const CAROL = user('u3', 'carol', 'Carol Danvers')



let seq = 100
export function message(over: Partial<Message> = {}): Message {
  seq++
  return {
    id: String(seq),
    chat_id: 'c1',
    author_id: BOB.id,
    text: 'hello',
    client_id: null,
    created_at: Date.UTC(2025, 0, 15, 9, 30),
    edited_at: null,
    deleted: false,
    reactions: [],
    kind: 'text',
    ...over,
  }
}

export function pollMessage(poll: Partial<Poll>, over: Partial<Message> = {}): Message {
  return message({
    kind: 'poll',
    text: '',
    poll: {
      question: 'When do we meet?',
      multiple: false,
      anonymous: false,
      deadline: null,
      closed: false,
      closed_at: null,
      voters: 0,
      options: [
        { text: 'At 11:00', votes: 0, voter_ids: [] },
        { text: 'At 15:00', votes: 0, voter_ids: [] },
      ],
      ...poll,
    },
    ...over,
  })
}

/** Fresh stores, the signed-in user, the known users; unknown users and chats never resolve. */
let pinia = createPinia()
export function setup(): void {
  vi.restoreAllMocks()
  pinia = createPinia()
  setActivePinia(pinia)
  useSession().me = { ...ME }
  useSession().status = 'authenticated'
  useUsers().upsertMany([ME, BOB, CAROL])
  vi.spyOn(api, 'user').mockImplementation(() => new Promise(() => undefined))
  vi.spyOn(api, 'chat').mockImplementation(() => new Promise(() => undefined))
  Object.assign(chatUi, { editingId: null, panel: null, threadRootId: null, jump: null, highlightId: null, quotes: {}, forwarding: null, pollChatId: null, scheduledOpen: false })
}

const Empty = defineComponent({ render: () => null })

export function mountIt<C extends Component>(comp: C, options: ComponentMountingOptions<C> = {} as ComponentMountingOptions<C>) {
  const i18n = createI18n({ legacy: false, locale: 'en', fallbackLocale: 'en', messages: { en }, missingWarn: false, fallbackWarn: false })
  const history = createMemoryHistory()
  history.replace('/chats')
  const router = createRouter({
    history,
    routes: [
      { path: '/chats', name: 'chats', component: Empty },
      { path: '/chats/:chatId', name: 'chat', component: Empty },
    ],
  })
  const base = options.global ?? {}
  const wrapper = mount(comp, {
    attachTo: document.body,
    ...options,
    global: { ...base, plugins: [...(base.plugins ?? []), pinia, i18n, router] },
  } as ComponentMountingOptions<C>)
  return Object.assign(wrapper, { router })
}
