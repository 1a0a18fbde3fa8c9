// The support desk (SUP): an admin sets up a team with an agent and a widget inbox through the API;
// two customers write through the widget and both conversations go to the agent. In the browser the
// agent sees them in Поддержка (with the rail's badge), opens one, writes an internal note and a
// reply (the customer's widget shows the reply, never the note) and resolves it.
import { Api } from '../lib.mjs'
import { assert, env, mkUser, newUserPage, settled, shot, test, uniqueName, waitFor } from '../harness.mjs'

async function desk() {
  const agent = await mkUser('agent', 'Анна Агентова')
  const { roles } = await env.admin.req('GET', '/admin/roles')
  const role = roles.find((r) => r.name === 'support.agent')
  await env.admin.req('POST', `/admin/users/${agent.id}/roles`, { role_id: role.id })
  const team = await env.admin.req('POST', '/support/teams', { name: uniqueName('Первая линия ') })
  await env.admin.req('PUT', `/support/teams/${team.id}/members`, { members: [{ user_id: agent.id, capacity: 5 }] })
  await env.admin.req('PUT', `/support/agents/${agent.id}/availability`, { availability: 'online' })
  const inbox = await env.admin.req('POST', '/support/inboxes', { name: uniqueName('Сайт '), channel: 'widget', team_id: team.id })
  return { agent, team, inbox }
}

/** A widget visitor's first message: the conversation it started and the visitor's API client. */
async function customerWrites(inbox, name, email, text) {
  const visitor = new Api(env.base)
  const r = await visitor.req('POST', '/support/widget/messages', { inbox: inbox.token, text, name, email })
  visitor.token = r.visitor_token
  return { visitor, conversation: r.conversation }
}

test('an agent answers a customer: the inbox, a note, a reply, resolve', async () => {
  const d = await desk()
  const first = await customerWrites(d.inbox, 'Ольга Клиентова', 'olga@example.com', 'Здравствуйте! Не приходит письмо для входа.')
  const second = await customerWrites(d.inbox, 'Pavel Buyer', 'pavel@example.com', 'Where is my order #4411?')
  for (const c of [first, second]) {
    const conv = await env.admin.req('GET', `/support/conversations/${c.conversation.id}`)
    assert(conv.assignee_id === d.agent.id, 'the conversation went to the agent')
    assert(/^SUP-\d{6}$/.test(conv.number), 'numbered SUP-000123')
  }

  const A = await newUserPage(d.agent, { locale: 'ru-RU' })
  const badge = A.page.locator('a[href="/support"] .badge')
  await badge.waitFor()
  assert((await badge.textContent()).trim() === '2', 'two open conversations are mine')
  await A.page.locator('a[href="/support"]').click()
  await A.page.locator('[data-testid=support-view]').waitFor()
  const row = A.page.locator(`[data-testid=conversation-row][data-id="${first.conversation.id}"]`)
  await row.waitFor()
  await A.page.locator(`[data-testid=conversation-row][data-id="${second.conversation.id}"]`).waitFor()
  const rowText = await row.textContent()
  assert(rowText.includes('Ольга Клиентова') && rowText.includes(first.conversation.number), 'the row names the customer and the number')
  assert(rowText.includes('Открыто'), 'the row shows the status')
  await settled(A.page)
  await shot(A.page, 'support-inbox-light')

  // The queue is empty (both went to the agent); the inbox says so calmly.
  await A.page.click('.tabs button[data-tab=unassigned]')
  await A.page.locator('[data-testid=support-view] .state').waitFor()
  await A.page.click('.tabs button[data-tab=mine]')
  await row.waitFor()

  await row.click()
  const page = A.page.locator('[data-testid=conversation-page]')
  await page.locator('[data-testid=conversation-title]', { hasText: 'Ольга Клиентова' }).waitFor()
  await page.locator('[data-testid=desk-message][data-direction=incoming]', { hasText: 'Не приходит письмо' }).waitFor()
  await page.locator('[data-testid=contact-panel]', { hasText: 'olga@example.com' }).waitFor()

  // An internal note, then a reply.
  await A.page.click('[data-testid=composer] [data-mode=note]')
  await A.page.fill('[data-testid=composer-input]', 'Проверить журнал почтового сервера')
  await A.page.click('[data-testid=composer-send]')
  const note = page.locator('[data-testid=desk-message][data-direction=note]', { hasText: 'Проверить журнал' })
  await note.waitFor()
  assert((await note.locator('[data-testid=note-label]').textContent()).includes('Заметка'), 'the note is labelled')
  await A.page.click('[data-testid=composer] [data-mode=reply]')
  await A.page.fill('[data-testid=composer-input]', 'Ольга, письмо отправлено ещё раз — проверьте папку «Спам».')
  await A.page.keyboard.press('Control+Enter')
  await page.locator('[data-testid=desk-message][data-direction=outgoing]', { hasText: 'папку «Спам»' }).waitFor()
  await settled(A.page)
  await shot(A.page, 'support-conversation-light')
  await A.page.click('.theme-btn')
  await settled(A.page)
  await shot(A.page, 'support-conversation-dark')
  await A.page.click('.theme-btn')

  // The customer's widget shows the reply, never the note.
  const history = (await first.visitor.req('GET', `/support/widget/conversations/${first.conversation.id}/messages`)).messages
  assert(history.some((m) => m.from === 'agent' && m.text.includes('Спам')), 'the customer sees the reply')
  assert(!history.some((m) => m.text.includes('журнал')), 'the customer never sees the note')

  // Resolve: the status changes, the badge counts one.
  await A.page.click('[data-testid=action-resolve]')
  await page.locator('[data-testid=conversation-status][data-status=resolved]').waitFor()
  await page.locator('[data-testid=action-reopen]').waitFor()
  await waitFor(async () => (await badge.textContent())?.trim() === '1', 'the badge to count one')
  const conv = await env.admin.req('GET', `/support/conversations/${first.conversation.id}`)
  assert(conv.status === 'resolved', 'resolved on the server')

  // The other one waits for the customer: snoozed until they reply, their message wakes it.
  await A.page.click('.back')
  const other = A.page.locator(`[data-testid=conversation-row][data-id="${second.conversation.id}"]`)
  await other.click()
  await page.locator('[data-testid=conversation-title]', { hasText: 'Pavel Buyer' }).waitFor()
  await A.page.click('[data-testid=action-snooze]')
  await settled(A.page)
  await shot(A.page, 'support-snooze-menu-light')
  await A.page.click('[data-snooze=reply]')
  await page.locator('[data-testid=conversation-status][data-status=snoozed]').waitFor()
  await page.locator('.c-meta', { hasText: 'до ответа клиента' }).waitFor()
  await waitFor(async () => (await badge.count()) === 0, 'the badge to go')
  await second.visitor.req('POST', '/support/widget/messages', { inbox: d.inbox.token, text: 'Any news?', conversation_id: second.conversation.id })
  await A.page.click('[data-testid=conversation-refresh]')
  await page.locator('[data-testid=conversation-status][data-status=open]').waitFor()
  await page.locator('[data-testid=desk-message][data-direction=incoming]', { hasText: 'Any news?' }).waitFor()
  await waitFor(async () => (await badge.count()) === 1 && (await badge.textContent()).trim() === '1', 'the badge to count it again')

  // The resolved one is under "Решённые" in the inbox.
  await A.page.click('.back')
  await A.page.click('[data-testid=support-view] .seg button[data-status=resolved]')
  await A.page.locator(`[data-testid=conversation-row][data-id="${first.conversation.id}"][data-status=resolved]`).waitFor()
  assert((await A.page.locator(`[data-testid=conversation-row][data-id="${second.conversation.id}"]`).count()) === 0, 'the open one is not among the resolved')
})

test('a user who is not an agent sees a calm page and no errors', async () => {
  const u = await mkUser('nonagent', 'Иван Посторонний')
  const U = await newUserPage(u, { locale: 'en-US' })
  await U.page.locator('a[href="/support"]').click()
  await U.page.locator('[data-testid=support-view] .state', { hasText: 'for its agents' }).waitFor()
  assert((await U.page.locator('a[href="/support"] .badge').count()) === 0, 'no badge')
})
