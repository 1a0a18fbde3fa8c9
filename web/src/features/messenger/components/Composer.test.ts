import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { api } from '@/api/client'
import type { Message } from '@/api/types'
import { chatUi } from '../chatUi'
import { useMessages } from '../stores/messages'
import Composer from './Composer.vue'
import { BOB, CAROL, ME, chat, message, mountIt, scheduledMessage, setup } from './testing'

beforeEach(setup)
afterEach(() => {
  document.body.innerHTML = ''
})

function echoPost() {
  return vi.spyOn(api, 'postMessage').mockImplementation(async (chatId, text, client_id) => message({ chat_id: chatId, author_id: ME.id, text, client_id }))
}

const box = (w: ReturnType<typeof mountIt>) => w.get('[data-testid=composer]')

describe('Composer', () => {
  it('names the chat in the placeholder', () => {
    const w = mountIt(Composer, { props: { chat: chat() } })
    expect(box(w).attributes('placeholder')).toBe('Message general')
  })

  it('sends on Enter: posts the trimmed text, emits "sent" and clears the box', async () => {
    const post = echoPost()
    const w = mountIt(Composer, { props: { chat: chat() } })
    await box(w).setValue('  Hello, **Bob**  ')
    await box(w).trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(w.emitted('sent')).toHaveLength(1)
    expect(post).toHaveBeenCalledTimes(1)
    expect(post.mock.calls[0][0]).toBe('c1')
    expect(post.mock.calls[0][1]).toBe('Hello, **Bob**')
    expect((box(w).element as HTMLTextAreaElement).value).toBe('')
    // The store shows it in the chat's timeline.
    expect(useMessages().timeline('c1').messages.map((m) => m.text)).toEqual(['Hello, **Bob**'])
  })

  it('sends on a click of the send button, which is disabled while the box is empty', async () => {
    const post = echoPost()
    const w = mountIt(Composer, { props: { chat: chat() } })
    const sendBtn = w.get('[data-testid=send]')
    expect(sendBtn.attributes('disabled')).toBeDefined()
    await box(w).setValue('   ')
    expect(sendBtn.attributes('disabled')).toBeDefined()
    await box(w).trigger('keydown', { key: 'Enter' })
    expect(post).not.toHaveBeenCalled()
    await box(w).setValue('by click')
    expect(sendBtn.attributes('disabled')).toBeUndefined()
    await sendBtn.trigger('click')
    await flushPromises()
    expect(post.mock.calls[0][1]).toBe('by click')
    expect(w.emitted('sent')).toHaveLength(1)
  })

  it('Shift+Enter is a new line, not a send', async () => {
    const post = echoPost()
    const w = mountIt(Composer, { props: { chat: chat() } })
    await box(w).setValue('line one')
    await box(w).trigger('keydown', { key: 'Enter', shiftKey: true })
    await flushPromises()
    expect(post).not.toHaveBeenCalled()
    expect(w.emitted('sent')).toBeUndefined()
  })

  it('refuses a message over the length limit', async () => {
    const post = echoPost()
    const w = mountIt(Composer, { props: { chat: chat() } })
    await box(w).setValue('x'.repeat(16001))
    expect(w.get('.composer-hint .err').text()).toContain('longer than 16000')
    expect(w.get('[data-testid=send]').attributes('disabled')).toBeDefined()
    await box(w).trigger('keydown', { key: 'Enter' })
    expect(post).not.toHaveBeenCalled()
  })

  it('suggests members after @ and inserts the picked username on Enter', async () => {
    const members = vi.spyOn(api, 'members').mockResolvedValue({
      members: [ME, BOB, CAROL].map((user) => ({ user, role: 'member' as const, joined_at: 0 })),
    })
    const post = echoPost()
    const w = mountIt(Composer, { props: { chat: chat() } })
    const el = box(w).element as HTMLTextAreaElement
    await box(w).setValue('ask @b')
    el.setSelectionRange(el.value.length, el.value.length)
    await box(w).trigger('input')
    await flushPromises()
    expect(members).toHaveBeenCalledWith('c1')
    const list = w.get('[data-testid=mention-list]')
    // Only Bob matches "b" (by username or a word of the display name); never myself.
    expect(list.findAll('[role=option]').map((o) => o.find('.m-user').text())).toEqual(['@bob'])
    await box(w).trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(el.value).toBe('ask @bob ')
    expect(w.find('[data-testid=mention-list]').exists()).toBe(false)
    expect(post).not.toHaveBeenCalled()
  })

  it('ArrowUp in an empty box edits my last message', async () => {
    const mine = message({ author_id: ME.id, text: 'mine' })
    const theirs = message({ author_id: BOB.id, text: 'theirs' })
    vi.spyOn(api, 'messages').mockResolvedValue({ messages: [mine, theirs] as Message[], has_more: false })
    await useMessages().ensureLoaded('c1')
    const w = mountIt(Composer, { props: { chat: chat() } })
    await box(w).trigger('keydown', { key: 'ArrowUp' })
    expect(chatUi.editingId).toBe(mine.id)
  })

  it('Escape cancels a quote being composed', async () => {
    chatUi.quotes.c1 = { id: '7', author_id: BOB.id, text: 'the quoted words' }
    const w = mountIt(Composer, { props: { chat: chat() } })
    expect(w.get('[data-testid=quote-preview]').text()).toContain('the quoted words')
    expect(w.get('.qp-author').text()).toContain('Bob Stone')
    await box(w).trigger('keydown', { key: 'Escape' })
    expect(chatUi.quotes.c1).toBeUndefined()
    expect(w.find('[data-testid=quote-preview]').exists()).toBe(false)
  })

  it('in a thread: posts into the thread and offers no poll', async () => {
    const post = echoPost()
    const w = mountIt(Composer, { props: { chat: chat(), threadRootId: '42' } })
    expect(w.find('[data-testid=poll-create]').exists()).toBe(false)
    await box(w).setValue('in the thread')
    await box(w).trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(post.mock.calls[0][3]).toMatchObject({ thread_root_id: '42' })
  })
})

describe('Composer: send later', () => {
  it('schedules the text for a preset, empties the box and posts nothing now', async () => {
    const post = echoPost()
    const create = vi
      .spyOn(api, 'scheduleMessage')
      .mockImplementation(async (chatId, b) => ({ ...scheduledMessage({ chat_id: chatId, text: b.text, send_at: b.send_at }) }))
    const w = mountIt(Composer, { props: { chat: chat() } })
    const later = w.get('[data-testid=send-later]')
    expect(later.attributes('disabled')).toBeDefined()
    await box(w).setValue('  see you tomorrow  ')
    await later.trigger('click')
    const menu = w.get('[data-testid=send-later-menu]')
    expect(menu.findAll('[role=menuitem]').map((b) => b.attributes('data-preset'))).toEqual(['in30m', 'in1h', 'tomorrow9', 'monday9', 'custom'])
    const t0 = Date.now()
    await menu.get('[data-preset=in1h]').trigger('click')
    await flushPromises()
    expect(create).toHaveBeenCalledTimes(1)
    const [chatId, body] = create.mock.calls[0]
    expect(chatId).toBe('c1')
    expect(body.text).toBe('see you tomorrow')
    expect(Math.abs(body.send_at - (t0 + 3_600_000))).toBeLessThan(2000)
    expect(post).not.toHaveBeenCalled()
    expect((box(w).element as HTMLTextAreaElement).value).toBe('')
    expect(w.find('[data-testid=send-later-menu]').exists()).toBe(false)
  })

  it('custom time: a past time is refused in the dialog, the server refusing one is shown there too', async () => {
    const { ApiError } = await import('@/api/client')
    const create = vi.spyOn(api, 'scheduleMessage').mockRejectedValue(new ApiError(400, 'invalid_send_at', 'send_at must be in the future'))
    const w = mountIt(Composer, { props: { chat: chat() } })
    await box(w).setValue('later')
    await w.get('[data-testid=send-later]').trigger('click')
    await w.get('[data-preset=custom]').trigger('click')
    const when = document.querySelector<HTMLInputElement>('[data-testid=schedule-when]')!
    when.value = '2020-01-01T10:00'
    when.dispatchEvent(new Event('input'))
    await flushPromises()
    document.querySelector<HTMLFormElement>('#schedule-form')!.dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(document.querySelector('[data-testid=schedule-error]')?.textContent).toContain('already passed')
    expect(create).not.toHaveBeenCalled()
    const next = new Date(Date.now() + 86_400_000)
    const pad = (n: number) => String(n).padStart(2, '0')
    when.value = `${next.getFullYear()}-${pad(next.getMonth() + 1)}-${pad(next.getDate())}T10:00`
    when.dispatchEvent(new Event('input'))
    await flushPromises()
    document.querySelector<HTMLFormElement>('#schedule-form')!.dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(create).toHaveBeenCalledTimes(1)
    expect(document.querySelector('[data-testid=schedule-error]')?.textContent).toContain('The server refused this time')
    // The text stays in the box until the server has it.
    expect((box(w).element as HTMLTextAreaElement).value).toBe('later')
  })

  it('is not offered with attachments or a quote (the server schedules text only)', async () => {
    chatUi.quotes.c1 = { id: '7', author_id: BOB.id, text: 'quoted' }
    const w = mountIt(Composer, { props: { chat: chat() } })
    await box(w).setValue('with a quote')
    expect(w.get('[data-testid=send-later]').attributes('disabled')).toBeDefined()
  })
})
