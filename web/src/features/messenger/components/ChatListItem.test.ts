import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import ChatListItem from './ChatListItem.vue'
import { BOB, ME, chat, message, mountIt, setup } from './testing'

beforeEach(setup)
afterEach(() => {
  document.body.innerHTML = ''
})

async function mountItem(props: { chat: ReturnType<typeof chat>; active?: boolean }) {
  const w = mountIt(ChatListItem, { props: { active: false, ...props } })
  await flushPromises()
  return w
}

describe('ChatListItem', () => {
  it('links to the chat and shows its title, the last message and its author', async () => {
    const w = await mountItem({ chat: chat({ id: 'c9', last_message: message({ chat_id: 'c9', text: 'Good morning! **Standup** at `11:00`' }) }) })
    const a = w.get('a[data-testid=chat-item]')
    expect(a.attributes('href')).toBe('/chats/c9')
    expect(a.attributes('data-chat-id')).toBe('c9')
    expect(w.get('.ci-title').text()).toBe('general')
    // The preview is plain text: markdown marks are dropped.
    expect(w.get('.ci-preview').text()).toBe('Bob Stone: Good morning! Standup at 11:00')
    expect(w.get('.ci-time').text()).not.toBe('')
  })

  it('says "you" for my own last message and shows a deleted one as such', async () => {
    const mine = await mountItem({ chat: chat({ last_message: message({ author_id: ME.id, text: 'sent by me' }) }) })
    expect(mine.get('.ci-preview').text()).toBe('you: sent by me')
    const gone = await mountItem({ chat: chat({ last_message: message({ text: '', deleted: true }) }) })
    expect(gone.get('.ci-preview').text()).toBe('Bob Stone: Message deleted')
  })

  it('without messages shows the channel topic, or that there are none', async () => {
    expect((await mountItem({ chat: chat({ topic: 'Everything and nothing' }) })).get('.ci-preview').text()).toBe('Everything and nothing')
    expect((await mountItem({ chat: chat() })).get('.ci-preview').text()).toBe('No messages yet')
  })

  it('shows the unread and mention badges, capped, and none at zero', async () => {
    const none = await mountItem({ chat: chat({ last_message: message() }) })
    expect(none.find('[data-testid=unread-badge]').exists()).toBe(false)
    expect(none.find('[data-testid=mention-badge]').exists()).toBe(false)
    expect(none.get('a').classes()).not.toContain('unread')

    const some = await mountItem({ chat: chat({ last_message: message(), unread_count: 2, mention_count: 1 }) })
    expect(some.get('[data-testid=unread-badge]').text()).toBe('2')
    expect(some.get('[data-testid=mention-badge]').text()).toBe('@1')
    expect(some.get('a').classes()).toContain('unread')
    expect(some.get('a').attributes('aria-label')).toBe('general, 2 unread')

    const many = await mountItem({ chat: chat({ last_message: message(), unread_count: 1500, mention_count: 120 }) })
    expect(many.get('[data-testid=unread-badge]').text()).toBe('999+')
    expect(many.get('[data-testid=mention-badge]').text()).toBe('@99+')
  })

  it('marks the active chat for assistive technology', async () => {
    const w = await mountItem({ chat: chat(), active: true })
    expect(w.get('a').classes()).toContain('active')
    expect(w.get('a').attributes('aria-current')).toBe('page')
    const other = await mountItem({ chat: chat(), active: false })
    expect(other.get('a').attributes('aria-current')).toBeUndefined()
  })

  it('a direct chat is titled by the other person and has no author prefix', async () => {
    const w = await mountItem({ chat: chat({ type: 'direct', name: '', direct_user_id: BOB.id, last_message: message({ text: 'hi there' }) }) })
    expect(w.get('.ci-title').text()).toBe('Bob Stone')
    expect(w.get('.ci-preview').text()).toBe('hi there')
  })

  it('a muted chat shows the muted icon and a quiet unread badge', async () => {
    const w = await mountItem({ chat: chat({ notify: 'none', unread_count: 3, last_message: message() }) })
    expect(w.find('[data-testid=muted-icon]').exists()).toBe(true)
    expect(w.get('[data-testid=unread-badge]').classes()).toContain('quiet')
  })

  it('navigates to the chat when clicked', async () => {
    const w = await mountItem({ chat: chat({ id: 'c5' }) })
    await w.get('a').trigger('click')
    await flushPromises()
    expect(w.router.currentRoute.value.fullPath).toBe('/chats/c5')
  })
})
