// Scheduled messages ("send later"): a person writes a message, picks a custom time (a past one is
// refused first), edits it in the Scheduled list, sends it now, and sees it arrive in the chat exactly
// once while the list empties; another one, scheduled with a preset, is cancelled after the
// confirmation and never posted. Then, live: one due in a few seconds posts itself and leaves the
// list, and one whose author was removed from the chat meanwhile shows as failed, with the reason.
import { assert, channelFixture, mainText, newUserPage, openChat, test, waitFor } from '../harness.mjs'

const pad = (n) => String(n).padStart(2, '0')
/** A datetime-local value `days` ahead at 10:00, in the browser's (the machine's) local time. */
function localInput(days) {
  const d = new Date(Date.now() + days * 86_400_000)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T10:00`
}

test('send later: custom time, edit, send now arrives once; cancel another', async () => {
  const { alice, general, bobApi, aliceApi } = await channelFixture({ pages: false })
  const { page } = await newUserPage(alice, { locale: 'en-US' })
  await openChat(page, general.id)
  const item = (text) => page.locator('[data-testid=scheduled-item]', { has: page.locator('[data-testid=scheduled-text]', { hasText: text }) })

  // A custom time: the past is refused in the dialog, before the server is asked.
  await page.fill('[data-testid=composer]', 'Quarterly report is ready')
  await page.click('[data-testid=send-later]')
  await page.locator('[data-testid=send-later-menu]').waitFor()
  await page.click('[data-preset=custom]')
  await page.locator('[data-testid=schedule-dialog]').waitFor()
  await page.fill('[data-testid=schedule-when]', '2020-01-01T10:00')
  await page.click('[data-testid=schedule-submit]')
  await page.locator('[data-testid=schedule-error]', { hasText: 'already passed' }).waitFor()
  await page.fill('[data-testid=schedule-when]', localInput(2))
  await page.click('[data-testid=schedule-submit]')
  await page.locator('[data-testid=schedule-dialog]').waitFor({ state: 'detached' })
  await waitFor(async () => (await page.inputValue('[data-testid=composer]')) === '', 'the composer to empty')
  await page.locator('[data-testid=scheduled-here]', { hasText: '1 scheduled message in this chat' }).waitFor()
  assert((await mainText(page, 'Quarterly report').count()) === 0, 'nothing posted yet')

  // A preset.
  await page.fill('[data-testid=composer]', 'Cancel me before it goes')
  await page.click('[data-testid=send-later]')
  await page.click('[data-preset=in1h]')
  await page.locator('[data-testid=scheduled-here]', { hasText: '2 scheduled messages' }).waitFor()
  await page.locator('[data-testid=scheduled-count]', { hasText: '2' }).waitFor()

  // The list, from the sidebar: both, soonest first.
  await page.click('[data-testid=scheduled-toggle]')
  await page.locator('[data-testid=scheduled-panel]').waitFor()
  await item('Cancel me before it goes').waitFor()
  await item('Quarterly report is ready').waitFor()
  const order = await page.locator('[data-testid=scheduled-text]').allTextContents()
  assert(order[0].includes('Cancel me') && order[1].includes('Quarterly'), 'soonest first: ' + JSON.stringify(order))
  assert((await item('Quarterly report').textContent()).includes('#general'), 'the chat is named')

  // Edit the text.
  await item('Quarterly report is ready').locator('[data-testid=scheduled-edit]').click()
  await page.locator('[data-testid=schedule-dialog]').waitFor()
  await page.fill('[data-testid=schedule-text]', 'Quarterly report is ready (final)')
  await page.click('[data-testid=schedule-submit]')
  await page.locator('[data-testid=schedule-dialog]').waitFor({ state: 'detached' })
  await item('Quarterly report is ready (final)').waitFor()

  // Send now: it appears in the chat (message.created) and leaves the list (scheduled_message.sent).
  await item('(final)').locator('[data-testid=scheduled-send-now]').click()
  await mainText(page, 'Quarterly report is ready (final)').waitFor()
  await item('(final)').waitFor({ state: 'detached' })
  assert((await mainText(page, 'Quarterly report is ready').count()) === 1, 'posted once in the chat')
  const seen = (await bobApi.req('GET', `/chats/${general.id}/messages?limit=50`)).messages.filter((m) => m.text.startsWith('Quarterly report'))
  assert(seen.length === 1 && seen[0].author_id === alice.id, 'Bob sees it once, from Alice: ' + JSON.stringify(seen))
  await page.locator('[data-testid=scheduled-here]', { hasText: '1 scheduled message' }).waitFor()

  // Cancel the other, after the confirmation; the list empties and it is never posted.
  await item('Cancel me').locator('[data-testid=scheduled-cancel]').click()
  await item('Cancel me').locator('[data-testid=scheduled-confirm-cancel]').click()
  await item('Cancel me').waitFor({ state: 'detached' })
  await page.locator('[data-testid=scheduled-panel]', { hasText: 'Nothing scheduled' }).waitFor()
  await page.locator('[data-testid=scheduled-here]').waitFor({ state: 'detached' })
  assert((await page.locator('[data-testid=scheduled-count]').count()) === 0, 'no count left')
  const left = await aliceApi.req('GET', '/scheduled-messages')
  assert(left.scheduled_messages.length === 0, 'nothing scheduled on the server: ' + JSON.stringify(left))
  assert((await mainText(page, 'Cancel me').count()) === 0, 'the cancelled one was not posted')
  // Escape closes the list.
  await page.locator('[data-testid=scheduled-panel] button[aria-label=Close]').focus()
  await page.keyboard.press('Escape')
  await page.locator('[data-testid=scheduled-panel]').waitFor({ state: 'detached' })
})

test('send later, live: a due one posts itself; one that can no longer be posted shows why', async () => {
  const { alice, general, aliceApi, bobApi } = await channelFixture({ pages: false })
  const side = await bobApi.req('POST', '/chats', { type: 'group', name: 'side project', member_ids: [alice.id] })
  const { page } = await newUserPage(alice, { locale: 'ru-RU' })
  await openChat(page, general.id)
  // Scheduled from another device an hour ahead: the list loads them.
  const later = Date.now() + 3_600_000
  const soon = await aliceApi.req('POST', `/chats/${general.id}/scheduled-messages`, { text: 'Posted by the clock', send_at: later })
  const doomed = await aliceApi.req('POST', `/chats/${side.id}/scheduled-messages`, { text: 'Will not make it', send_at: later })
  await page.click('[data-testid=scheduled-toggle]')
  const item = (id) => page.locator(`[data-testid=scheduled-item][data-id="${id}"]`)
  await item(soon.id).waitFor()
  await item(doomed.id).waitFor()
  // Bob removes Alice from the side project; then that device moves both to a few seconds ahead, and
  // the server's clock, not this page, sends them: only their events tell the page.
  await bobApi.req('DELETE', `/chats/${side.id}/members/${alice.id}`)
  for (const m of [soon, doomed]) await aliceApi.req('PATCH', `/scheduled-messages/${m.id}`, { send_at: Date.now() + 3000 })
  await mainText(page, 'Posted by the clock').waitFor()
  await item(soon.id).waitFor({ state: 'detached' })
  assert((await mainText(page, 'Posted by the clock').count()) === 1, 'posted once')
  await page.locator(`[data-testid=scheduled-item][data-id="${doomed.id}"][data-state=failed]`).waitFor()
  const text = await item(doomed.id).textContent()
  assert(text.includes('Не отправлено'), 'the reason is shown: ' + text)
  // A failed one is cleared with Remove.
  await item(doomed.id).locator('[data-testid=scheduled-remove]').click()
  await item(doomed.id).waitFor({ state: 'detached' })
  await page.locator('[data-testid=scheduled-panel] .state').waitFor()
})
