// Two users in one channel, in real time: delivery, reactions, edit, delete, unread badges, pins,
// typing and polls, mentions. Each test makes its own pair of users and channels (channelFixture).
import { assert, channelFixture, chatItem, countText, messageByText, metrics, openChat, send, shot, test, waitFor } from '../harness.mjs'

/** Both users in `general`; Alice's "Привет, Bob!" confirmed on her side and shown to Bob. */
async function helloFixture() {
  const f = await channelFixture()
  await openChat(f.A.page, f.general.id)
  await openChat(f.B.page, f.general.id)
  await messageByText(f.A.page, 'Standup').waitFor()
  await send(f.A.page, 'Привет, Bob!')
  await messageByText(f.B.page, 'Привет, Bob!').waitFor()
  await waitFor(async () => (await f.A.page.locator('.msg.pending').count()) === 0, 'the pending message to be confirmed')
  return f
}

test('a message appears for the other user', async () => {
  const { A, B, general } = await channelFixture()
  await openChat(A.page, general.id)
  await openChat(B.page, general.id)
  await messageByText(A.page, 'Standup').waitFor()
  const text = 'Привет, Bob! ' + Date.now()
  const t0 = Date.now()
  await send(A.page, text)
  await messageByText(B.page, text).waitFor()
  const latency = Date.now() - t0
  metrics.deliveryMs = latency
  await waitFor(async () => (await countText(A.page, text)) === 1 && (await A.page.locator('.msg.pending').count()) === 0, 'the pending message to be confirmed')
  assert((await countText(A.page, text)) === 1, 'sender sees it once')
  assert((await countText(B.page, text)) === 1, 'receiver sees it once')
})

test('reactions propagate', async () => {
  const { A, B } = await helloFixture()
  const msg = messageByText(B.page, 'Привет, Bob!')
  await msg.hover()
  await msg.locator('button[aria-label="Add reaction"]').click()
  await B.page.locator('.emoji-picker button[aria-label="thumbs up"]').click()
  await messageByText(A.page, 'Привет, Bob!').locator('[data-testid=reaction]', { hasText: '1' }).waitFor()
  const r = messageByText(A.page, 'Привет, Bob!').locator('[data-testid=reaction]')
  assert((await r.textContent()).includes('👍'), 'thumbs up shown to Alice')
  // Alice adds hers by clicking the chip: count goes to 2 for both.
  await r.click()
  await messageByText(B.page, 'Привет, Bob!').locator('[data-testid=reaction]', { hasText: '2' }).waitFor()
})

test('edit with the Up arrow, visible to the other user', async () => {
  const { A, B } = await helloFixture()
  await A.page.click('[data-testid=composer]')
  await A.page.keyboard.press('ArrowUp')
  const box = A.page.locator('.msg-edit textarea')
  await box.waitFor()
  await box.fill('Привет, Bob! (исправлено)')
  await box.press('Enter')
  await messageByText(B.page, '(исправлено)').waitFor()
  assert((await messageByText(B.page, '(исправлено)').locator('.msg-edited').count()) === 1, 'edited mark shown')
})

test('delete, visible to the other user', async () => {
  const { A, B, general } = await channelFixture()
  await openChat(A.page, general.id)
  await openChat(B.page, general.id)
  await send(B.page, 'Bob will delete this')
  await messageByText(A.page, 'Bob will delete this').waitFor()
  B.page.once('dialog', (d) => d.accept())
  const m = messageByText(B.page, 'Bob will delete this')
  await m.hover()
  await m.locator('button[aria-label="Delete"]').click()
  await waitFor(async () => (await countText(A.page, 'Bob will delete this')) === 0, 'deletion on Alice’s side')
  assert((await A.page.locator('.msg-deleted').count()) >= 1, 'deleted placeholder shown')
})

test('unread badge updates live and clears when the chat is opened', async () => {
  const { A, B, bobApi, general, random } = await channelFixture()
  await openChat(A.page, general.id)
  await openChat(B.page, random.id)
  await send(A.page, 'Unread for Bob #1')
  await send(A.page, 'Unread for Bob #2')
  const badge = chatItem(B.page, general.id).locator('[data-testid=unread-badge]')
  await badge.waitFor()
  await waitFor(async () => (await badge.textContent()).trim() === '2', 'badge to show 2')
  await chatItem(B.page, general.id).click()
  await waitFor(async () => (await badge.count()) === 0, 'badge to clear')
  // And the server agrees.
  await waitFor(async () => (await bobApi.req('GET', '/chats')).chats.find((c) => c.id === general.id).unread_count === 0, 'server unread 0')
})

test('pin a message: marker for everyone, listed in the Pins panel', async () => {
  const { A, B, aliceApi, general } = await channelFixture()
  await aliceApi.req('POST', `/chats/${general.id}/messages`, { text: 'Файлы к совещанию' })
  await openChat(A.page, general.id)
  await openChat(B.page, general.id)
  const m = messageByText(A.page, 'Файлы к совещанию')
  await m.hover()
  await m.locator('[data-testid=pin]').click()
  await messageByText(B.page, 'Файлы к совещанию').locator('[data-testid=pinned-marker]').waitFor()
  // Bob is a plain member of a channel: no pin action for him.
  const bm = messageByText(B.page, 'Файлы к совещанию')
  await bm.hover()
  assert((await bm.locator('[data-testid=pin]').count()) === 0, 'members cannot pin in channels')
  await A.page.click('[data-testid=pins-toggle]')
  await A.page.locator('[data-testid=pin-item]', { hasText: 'Файлы к совещанию' }).waitFor()
  await A.page.keyboard.press('Escape')
})

test('typing indicator and a poll with live results', async () => {
  const { A, B, general } = await channelFixture()
  await openChat(A.page, general.id)
  await openChat(B.page, general.id)
  await A.page.locator('[data-testid=composer]').pressSequentially('печатаю', { delay: 20 })
  await B.page.locator('[data-testid=typing]', { hasText: 'typing' }).waitFor()
  await A.page.fill('[data-testid=composer]', '')
  await A.page.click('[data-testid=poll-create]')
  await A.page.fill('#poll-q', 'Когда созвон?')
  const opts = A.page.locator('[data-testid=poll-option-input]')
  await opts.nth(0).fill('В 11:00')
  await opts.nth(1).fill('В 15:00')
  await A.page.click('[data-testid=poll-submit]')
  const bPoll = B.page.locator('[data-testid=poll]', { hasText: 'Когда созвон?' })
  await bPoll.waitFor()
  await bPoll.locator('[data-testid=poll-option]', { hasText: '15:00' }).click()
  await bPoll.locator('[data-testid=poll-result]', { hasText: '100%' }).waitFor()
  await A.page.locator('[data-testid=poll]', { hasText: 'проголосовал 1' }).waitFor()
})

test('mentions: badge in the sidebar, bell notification', async () => {
  const { A, B, alice, general, random } = await channelFixture()
  await openChat(B.page, general.id)
  await openChat(A.page, random.id)
  await send(B.page, `@${alice.username} посмотри, пожалуйста, договор`)
  await chatItem(A.page, general.id).locator('[data-testid=mention-badge]').waitFor()
  await A.page.locator('[data-testid=bell-count]').waitFor()
  await A.page.click('[data-testid=bell]')
  await A.page.locator('[data-testid=notification]').first().waitFor()
  await shot(A.page, 'notifications-light')
  await A.page.locator('[data-testid=notification]').first().click()
  await A.page.locator('[data-testid=chat-title]', { hasText: 'general' }).waitFor()
  await waitFor(async () => (await chatItem(A.page, general.id).locator('[data-testid=mention-badge]').count()) === 0, 'mention badge to clear')
})
