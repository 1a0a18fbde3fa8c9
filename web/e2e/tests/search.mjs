// Full-text search: Russian stemming, highlight, a jump to the found message in another chat.
import { assert, channelFixture, messageByText, openChat, send, shot, test } from '../harness.mjs'

test('search in Russian finds an inflected form and jumps to the message', async () => {
  const { A, B, aliceApi, general, random } = await channelFixture()
  await openChat(A.page, general.id)
  await openChat(B.page, general.id)
  const text = 'Подписали договор с поставщиком бумаги'
  await send(B.page, text)
  await messageByText(A.page, text).waitFor()
  for (let i = 0; i < 20; i++) await aliceApi.req('POST', `/chats/${general.id}/messages`, { text: `Заполнение ленты ${i}` })
  await openChat(A.page, random.id)
  await A.page.keyboard.press('Control+Shift+F')
  const panel = A.page.locator('[data-testid=search-panel]')
  await panel.waitFor()
  await panel.locator('[data-testid=search-input]').fill('договора')
  const res = panel.locator('[data-testid=search-result]', { hasText: 'поставщиком' })
  await res.waitFor()
  assert((await res.locator('mark').first().textContent()).toLowerCase().startsWith('договор'), 'match highlighted')
  await res.click()
  await A.page.locator('[data-testid=chat-title]', { hasText: 'general' }).waitFor()
  await A.page.locator('.msg.flash', { hasText: 'поставщиком' }).waitFor()
  await shot(A.page, 'search-light')
  await A.page.keyboard.press('Escape')
})
