import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { api } from '@/api/client'
import { chatUi } from '../chatUi'
import MessageItem from './MessageItem.vue'
import { BOB, CAROL, ME, chat, message, mountIt, pollMessage, setup, user } from './testing'
import { useUsers } from '@/shared/users'

beforeEach(setup)
afterEach(() => {
  document.body.innerHTML = ''
})

const mountMsg = (props: Record<string, unknown>) => mountIt(MessageItem, { props: { chat: chat(), head: true, ...props } as never })

describe('MessageItem', () => {
  it('shows the author, the time and the text rendered as markdown', () => {
    const m = message({ text: 'Good morning! **Standup** at `11:00`, see https://example.org/plan' })
    const w = mountMsg({ message: m })
    expect(w.get('.msg-author').text()).toBe(BOB.display_name)
    expect(w.get('.msg-time').attributes('datetime')).toBe(new Date(m.created_at).toISOString())
    const text = w.get('[data-testid=message-text]')
    expect(text.get('strong').text()).toBe('Standup')
    expect(text.get('code').text()).toBe('11:00')
    const link = text.get('a')
    expect(link.attributes('href')).toBe('https://example.org/plan')
    expect(link.attributes('target')).toBe('_blank')
    expect(link.attributes('rel')).toContain('noopener')
    expect(w.get('[data-testid=message]').attributes('data-message-id')).toBe(m.id)
  })

  it('marks the author of a bot message with a badge, and nobody else', () => {
    const users = useUsers()
    users.upsert(user('u9', 'helper', 'Системный помощник', { role: 'bot' }))
    const bot = mountMsg({ message: message({ author_id: 'u9' }) })
    expect(bot.get('.msg-author').text()).toBe('Системный помощник' + 'bot')
    expect(bot.get('[data-testid=account-badge]').text()).toBe('bot')
    const person = mountMsg({ message: message() })
    expect(person.find('[data-testid=account-badge]').exists()).toBe(false)
  })

  it('never renders raw HTML from the text', () => {
    const w = mountMsg({ message: message({ text: '<img src=x onerror="alert(1)"> <script>bad()</script> plain' }) })
    const text = w.get('[data-testid=message-text]')
    expect(text.find('img').exists()).toBe(false)
    expect(text.find('script').exists()).toBe(false)
    expect(text.text()).toContain('<script>bad()</script> plain')
  })

  it('highlights a mention of me more than a mention of someone else', () => {
    const w = mountMsg({ message: message({ text: `@${ME.username} please look, and @${CAROL.username} too; @channel` }) })
    const mentions = w.findAll('.mention')
    expect(mentions.map((e) => e.text())).toEqual(['@alice', '@carol', '@channel'])
    expect(mentions.map((e) => e.classes('me'))).toEqual([true, false, true])
  })

  it('without the head row it shows only the time in the gutter, no author', () => {
    const w = mountMsg({ message: message({ text: 'second line' }), head: false })
    expect(w.find('.msg-author').exists()).toBe(false)
    expect(w.find('.msg-hover-time').exists()).toBe(true)
    expect(w.get('[data-testid=message-text]').text()).toContain('second line')
  })

  it('marks an edited message and replaces a deleted one by a placeholder', () => {
    const edited = mountMsg({ message: message({ text: 'fixed', edited_at: Date.now() }) })
    expect(edited.get('.msg-edited').text()).toBe('(edited)')
    const gone = mountMsg({ message: message({ text: '', deleted: true }) })
    expect(gone.get('.msg-deleted').text()).toContain('Message deleted')
    expect(gone.find('[data-testid=message-text]').exists()).toBe(false)
    expect(gone.find('.msg-actions').exists()).toBe(false)
  })

  it('shows reaction counts and toggles my reaction on click', async () => {
    const m = message({
      reactions: [
        { emoji: '👍', count: 2, user_ids: [BOB.id, CAROL.id], me: false },
        { emoji: '🎉', count: 1, user_ids: [ME.id], me: true },
      ],
    })
    const add = vi.spyOn(api, 'addReaction').mockResolvedValue({ ...m })
    const remove = vi.spyOn(api, 'removeReaction').mockResolvedValue({ ...m })
    const w = mountMsg({ message: m })
    const chips = w.findAll('[data-testid=reaction]')
    expect(chips.map((c) => c.text())).toEqual(['👍2', '🎉1'])
    expect(chips[0].attributes('title')).toBe('Bob Stone, Carol Danvers')
    expect(chips[1].attributes('aria-pressed')).toBe('true')
    await chips[0].trigger('click')
    expect(add).toHaveBeenCalledWith(m.id, '👍')
    await chips[1].trigger('click')
    expect(remove).toHaveBeenCalledWith(m.id, '🎉')
  })

  it('a guest sees reactions but cannot change them, nor react', () => {
    const m = message({ reactions: [{ emoji: '👍', count: 1, user_ids: [BOB.id], me: false }] })
    const w = mountIt(MessageItem, { props: { chat: chat({ my_role: 'guest' }), message: m, head: true } })
    expect(w.get('[data-testid=reaction]').attributes('disabled')).toBeDefined()
    expect(w.find('button[aria-label="Add reaction"]').exists()).toBe(false)
  })

  it('shows the thread summary and opens the thread on click', async () => {
    const m = message({ reply_count: 2, thread_participants: [BOB.id, CAROL.id], last_reply_at: Date.now() })
    const w = mountMsg({ message: m })
    expect(w.get('[data-testid=reply-count]').text()).toBe('2 replies')
    expect(w.findAll('.ts-avatars > *')).toHaveLength(2)
    await w.get('[data-testid=thread-summary]').trigger('click')
    expect(chatUi.panel).toBe('thread')
    expect(chatUi.threadRootId).toBe(m.id)
    // Inside the thread panel the root has no summary and no "reply in thread" action.
    const inThread = mountMsg({ message: m, inThread: true })
    expect(inThread.find('[data-testid=thread-summary]').exists()).toBe(false)
    expect(inThread.find('[data-testid=reply-thread]').exists()).toBe(false)
  })

  it('offers edit only on my own messages; editing saves on Enter', async () => {
    const theirs = mountMsg({ message: message() })
    expect(theirs.find('button[aria-label="Edit"]').exists()).toBe(false)

    const mine = message({ author_id: ME.id, text: 'Hello, Bob' })
    const edit = vi.spyOn(api, 'editMessage').mockResolvedValue({ ...mine, text: 'Hello, Bob (fixed)', edited_at: Date.now() })
    const w = mountMsg({ message: mine })
    expect(w.get('[data-testid=message]').classes()).toContain('mine')
    await w.get('button[aria-label="Edit"]').trigger('click')
    const box = w.get('.msg-edit textarea')
    expect((box.element as HTMLTextAreaElement).value).toBe('Hello, Bob')
    await box.setValue('Hello, Bob (fixed)')
    await box.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(edit).toHaveBeenCalledWith(mine.id, 'Hello, Bob (fixed)')
    expect(chatUi.editingId).toBe(null)
    expect(w.find('.msg-edit').exists()).toBe(false)
  })

  it('Escape leaves the editor without saving', async () => {
    const mine = message({ author_id: ME.id, text: 'keep me' })
    const edit = vi.spyOn(api, 'editMessage')
    const w = mountMsg({ message: mine })
    chatUi.editingId = mine.id
    await flushPromises()
    const box = w.get('.msg-edit textarea')
    await box.setValue('changed')
    await box.trigger('keydown', { key: 'Escape' })
    expect(chatUi.editingId).toBe(null)
    expect(edit).not.toHaveBeenCalled()
  })

  it('shows a failed pending message with retry and discard', () => {
    const w = mountMsg({
      pending: { client_id: 'c-1', chat_id: 'c1', author_id: ME.id, text: 'Written offline', created_at: Date.now(), state: 'failed' },
    })
    const el = w.get('[data-testid=message]')
    expect(el.classes()).toEqual(expect.arrayContaining(['pending', 'failed']))
    expect(el.attributes('data-client-id')).toBe('c-1')
    expect(w.get('[data-testid=message-text]').text()).toContain('Written offline')
    expect(w.get('.msg-status').text()).toContain('Not sent.')
    expect(w.get('.msg-status').findAll('button').map((b) => b.text())).toEqual(['Retry', 'Discard'])
  })

  it('renders a poll message as a poll card', () => {
    const w = mountMsg({ message: pollMessage({ question: 'Lunch?' }) })
    expect(w.get('[data-testid=poll]').text()).toContain('Lunch?')
    expect(w.find('[data-testid=message-text]').exists()).toBe(false)
  })

  it('only chat owners and admins may pin in a channel', () => {
    const m = message()
    expect(mountMsg({ message: m }).find('[data-testid=pin]').exists()).toBe(false)
    const owner = mountIt(MessageItem, { props: { chat: chat({ my_role: 'owner' }), message: m, head: true } })
    expect(owner.find('[data-testid=pin]').exists()).toBe(true)
    const group = mountIt(MessageItem, { props: { chat: chat({ type: 'group', my_role: 'member' }), message: m, head: true } })
    expect(group.find('[data-testid=pin]').exists()).toBe(true)
  })
})
