// Threads: replies live in the thread panel, the root shows their count, the main list never shows them.
import { assert, channelFixture, mainText, messageByText, openChat, send, test } from '../harness.mjs'

test('reply in a thread: the other user sees the count, the panel shows it, the list does not', async () => {
  const { A, B, general } = await channelFixture()
  await openChat(A.page, general.id)
  await openChat(B.page, general.id)
  const rootText = 'Thread root: обсудим бюджет ' + Date.now()
  await send(A.page, rootText)
  await messageByText(B.page, rootText).waitFor()
  const root = messageByText(A.page, rootText)
  await root.hover()
  await root.locator('[data-testid=reply-thread]').click()
  const panel = A.page.locator('[data-testid=thread-panel]')
  await panel.waitFor()
  await panel.locator('.state, .empty, [data-testid=thread-replies]').first().waitFor()
  const reply = 'Ответ в обсуждении про бюджет'
  await panel.locator('[data-testid=composer]').fill(reply)
  await panel.locator('[data-testid=composer]').press('Enter')
  await panel.locator('[data-testid=message-text]', { hasText: reply }).waitFor()
  // Bob: the root shows "1 reply", the reply is not in the main list.
  const summary = messageByText(B.page, rootText).locator('[data-testid=thread-summary]')
  await summary.waitFor()
  assert((await summary.textContent()).includes('1 reply'), 'reply count shown to Bob: ' + (await summary.textContent()))
  assert((await mainText(B.page, reply).count()) === 0, 'thread reply is not in the main list')
  assert((await mainText(A.page, reply).count()) === 0, 'thread reply is not in the sender’s main list')
  await summary.click()
  const bPanel = B.page.locator('[data-testid=thread-panel]')
  await bPanel.locator('[data-testid=message-text]', { hasText: reply }).waitFor()
  // Bob answers from the panel; Alice's open panel gets it live and the count grows to 2.
  await bPanel.locator('[data-testid=composer]').fill('Bob agrees in the thread')
  await bPanel.locator('[data-testid=composer]').press('Enter')
  await panel.locator('[data-testid=message-text]', { hasText: 'Bob agrees' }).waitFor()
  await messageByText(A.page, rootText).locator('[data-testid=reply-count]', { hasText: '2' }).waitFor()
  await bPanel.locator('[data-testid=follow-toggle]').click()
  await bPanel.locator('[data-testid=follow-toggle]', { hasText: 'Follow' }).waitFor()
  await B.page.keyboard.press('Escape')
  await bPanel.waitFor({ state: 'detached' })
})
