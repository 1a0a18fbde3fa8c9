// The support desk (SUP): an admin sets up a team with an agent and a widget inbox through the API;
// two customers write through the widget and both conversations go to the agent. In the browser the
// agent sees them in Поддержка (with the rail's badge), opens one, writes an internal note and a
// reply (the customer's widget shows the reply, never the note) and resolves it. The agents' tools:
// a canned reply inserted with /code and its variables filled, a label, a snooze preset resolved by
// the server; an admin sets up a team and an inbox in the support settings.
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
  await A.page.click('[data-snooze=until_reply]')
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

test('an agent inserts a canned reply with /code, tags the conversation and snoozes it to the next working day', async () => {
  const d = await desk()
  const code = uniqueName('hi').toLowerCase().replace(/[^a-z0-9]/g, '')
  const agentApi = await d.agent.login()
  await agentApi.req('POST', '/support/canned-replies', { short_code: code, content: 'Здравствуйте, {{contact.name}}! Обращение {{conversation.number}}. {{agent.name}}' })
  const label = await env.admin.req('POST', '/support/labels', { title: uniqueName('VIP '), color: '#d97706' })
  const c = await customerWrites(d.inbox, 'Мария Клиентова', 'maria@example.com', 'Помогите с возвратом')

  const A = await newUserPage(d.agent, { locale: 'ru-RU' })
  await A.page.goto(env.base + '/support/' + c.conversation.id)
  const page = A.page.locator('[data-testid=conversation-page]')
  await page.locator('[data-testid=conversation-title]', { hasText: 'Мария Клиентова' }).waitFor()

  // "/" and the first letters: the list shows the reply; Enter inserts it with the variables filled.
  await A.page.click('[data-testid=composer-input]')
  await A.page.keyboard.type('Добрый день. /' + code.slice(0, 4))
  await A.page.locator(`[data-testid=canned-option][data-code="${code}"]`).waitFor()
  await settled(A.page)
  await shot(A.page, 'support-canned-menu-light')
  await A.page.keyboard.press('Enter')
  const filled = await A.page.inputValue('[data-testid=composer-input]')
  assert(filled === `Добрый день. Здравствуйте, Мария Клиентова! Обращение ${c.conversation.number}. Анна Агентова`, `filled: ${filled}`)
  assert((await A.page.locator('[data-testid=canned-menu]').count()) === 0, 'the list closes')
  await A.page.keyboard.press('Control+Enter')
  await page.locator('[data-testid=desk-message][data-direction=outgoing]', { hasText: 'Здравствуйте, Мария Клиентова!' }).waitFor()

  // A label: on the page, on the row, and the inbox filters by it.
  await A.page.selectOption('[data-testid=label-add]', label.id)
  await page.locator(`[data-testid=conversation-label][data-label="${label.title}"]`).waitFor()
  const conv = await env.admin.req('GET', `/support/conversations/${c.conversation.id}`)
  assert(conv.labels.some((l) => l.id === label.id), 'labelled on the server')

  // Snooze to the next working day: the server resolves it through the team's calendar.
  await A.page.click('[data-testid=action-snooze]')
  await A.page.click('[data-snooze=next_working_day]')
  await page.locator('[data-testid=conversation-status][data-status=snoozed]').waitFor()
  const snoozed = await env.admin.req('GET', `/support/conversations/${c.conversation.id}`)
  assert(snoozed.snoozed_until > Date.now() && snoozed.snoozed_until - Date.now() < 5 * 86_400_000, 'snoozed until a working morning ahead')
  assert(new Date(snoozed.snoozed_until).getUTCMinutes() === 0, 'at a whole hour (the calendar opening)')

  await A.page.click('.back')
  await A.page.click('[data-testid=support-view] .seg button[data-status=any]')
  await A.page.selectOption('[data-testid=label-filter]', label.id)
  const row = A.page.locator(`[data-testid=conversation-row][data-id="${c.conversation.id}"]`)
  await row.locator('[data-testid=row-label]', { hasText: label.title }).waitFor()
  await waitFor(async () => (await A.page.locator('[data-testid=conversation-row]').count()) === 1, 'only the labelled one')
  await settled(A.page)
  await shot(A.page, 'support-inbox-labels-light')
})

test('an admin creates a team and a widget inbox in the support settings', async () => {
  const boss = await mkUser('supadmin', 'Ирина Админова')
  const { roles } = await env.admin.req('GET', '/admin/roles')
  await env.admin.req('POST', `/admin/users/${boss.id}/roles`, { role_id: roles.find((r) => r.name === 'support.admin').id })
  const Adm = await newUserPage(boss, { locale: 'ru-RU' })
  await Adm.page.locator('a[href="/support"]').click()
  await Adm.page.click('[data-testid=support-settings]')
  await Adm.page.locator('[data-testid=support-admin]').waitFor()

  await Adm.page.click('.tabs button[data-tab=teams]')
  const teamName = uniqueName('Вторая линия ')
  await Adm.page.fill('[data-testid=team-name]', teamName)
  await Adm.page.click('[data-testid=team-create]')
  const card = Adm.page.locator(`[data-testid=team-card][data-name="${teamName}"]`)
  await card.waitFor()
  const member = await mkUser('member', 'Олег Участников')
  await Adm.page.reload()
  await card.waitFor()
  await card.locator('[data-testid=team-member-pick]').selectOption(member.id)
  await card.locator('[data-testid=team-member-add]').click()
  await card.locator('[data-testid=team-member]', { hasText: 'Олег Участников' }).waitFor()
  await settled(Adm.page)
  await shot(Adm.page, 'support-admin-teams-light')

  await Adm.page.click('.tabs button[data-tab=inboxes]')
  const inboxName = uniqueName('Сайт ')
  await Adm.page.fill('[data-testid=inbox-name]', inboxName)
  await Adm.page.selectOption('[data-testid=inbox-team]', { label: teamName })
  await Adm.page.check('[data-testid=inbox-hmac]')
  await Adm.page.click('[data-testid=inbox-create]')
  const inboxRow = Adm.page.locator(`[data-testid=inbox-row][data-name="${inboxName}"]`)
  await inboxRow.waitFor()
  assert((await inboxRow.textContent()).includes(teamName), 'the inbox routes to the team')
  await inboxRow.locator('button').click()
  await Adm.page.locator('[data-testid=inbox-embed]').waitFor()
  await settled(Adm.page)
  await shot(Adm.page, 'support-admin-inboxes-light')

  const { inboxes } = await env.admin.req('GET', '/support/inboxes')
  const made = inboxes.find((i) => i.name === inboxName)
  const { teams } = await env.admin.req('GET', '/support/teams')
  const team = teams.find((x) => x.name === teamName)
  assert(made && made.channel === 'widget' && made.hmac_mandatory === true && made.team_id === team.id, 'the inbox on the server')
  assert(team.members.some((m) => m.user_id === member.id && m.capacity === 5), 'the member with the default capacity')

  // A topic is renamed, moved to the other team and archived in place.
  const other = await env.admin.req('POST', '/support/teams', { name: uniqueName('Третья линия ') })
  const topic = await env.admin.req('POST', '/support/topics', { team_id: team.id, title: uniqueName('Билеты ') })
  await Adm.page.click('.tabs button[data-tab=topics]')
  await Adm.page.reload() // the settings read their lists when they open
  const topicRow = Adm.page.locator(`[data-testid=topic-row][data-id="${topic.id}"]`)
  await topicRow.waitFor()
  const renamed = uniqueName('Возвраты ')
  await topicRow.locator('[data-testid=topic-title]').fill(renamed)
  await topicRow.locator('[data-testid=topic-title]').press('Enter')
  const topicOf = async () => (await env.admin.req('GET', '/support/topics')).topics.find((x) => x.id === topic.id)
  await waitFor(async () => (await topicOf()).title === renamed, 'the topic to be renamed')
  await topicRow.locator('[data-testid=topic-team]').selectOption(other.id)
  await waitFor(async () => (await topicOf()).team_id === other.id, 'the topic to move to the other team')
  await topicRow.locator('[data-testid=topic-archive]').click()
  await topicRow.locator('[data-testid=topic-archived]').waitFor()
  assert((await topicOf()).archived === true, 'the topic is archived on the server')
  await settled(Adm.page)
  await shot(Adm.page, 'support-admin-topics-light')

  // A deleted reply: the admin reads its text and who deleted it; then deletes and restores the conversation.
  const d = await desk()
  const c = await customerWrites(d.inbox, 'Семён Клиентов', 'semyon@example.com', 'Где мой заказ?')
  const agentApi = await d.agent.login()
  const reply = await agentApi.req('POST', `/support/conversations/${c.conversation.id}/messages`, { text: 'Ответ не тому клиенту' })
  await agentApi.req('DELETE', `/messages/${reply.id}`)
  await Adm.page.goto(env.base + '/support/' + c.conversation.id)
  const page = Adm.page.locator('[data-testid=conversation-page]')
  const gone = page.locator('[data-testid=desk-message][data-deleted]', { hasText: 'Ответ не тому клиенту' })
  await gone.locator('[data-testid=deleted-mark]', { hasText: 'Анна Агентова' }).waitFor()
  Adm.page.once('dialog', (dlg) => void dlg.accept())
  await Adm.page.click('[data-testid=action-delete]')
  await page.locator('[data-testid=deleted-banner]').waitFor()
  await settled(Adm.page)
  await shot(Adm.page, 'support-deleted-conversation-light')
  const hidden = await agentApi.req('GET', '/support/conversations?assignee=any').then((r) => r.conversations)
  assert(!hidden.some((x) => x.id === c.conversation.id), 'agents no longer see it')
  await Adm.page.click('[data-testid=action-restore]')
  await page.locator('[data-testid=conversation-actions]').waitFor()
  const back = await agentApi.req('GET', `/support/conversations/${c.conversation.id}`)
  assert(back.assignee_id === d.agent.id && back.deleted_at === null, 'restored with its assignee')
})

test('a visitor who gave no name or e-mail reads as «Посетитель #code», not as the number', async () => {
  const d = await desk()
  const anon = await customerWrites(d.inbox, undefined, undefined, 'Здравствуйте, вопрос по заказу')
  const conv = await env.admin.req('GET', `/support/conversations/${anon.conversation.id}`)
  const label = `Посетитель #${conv.contact_id.slice(-4)}`
  const A = await newUserPage(d.agent, { locale: 'ru-RU' })
  await A.page.goto(env.base + '/support')
  const row = A.page.locator(`[data-testid=conversation-row][data-id="${conv.id}"]`)
  await row.locator('.c-name', { hasText: label }).waitFor()
  assert((await row.locator('.c-sub').textContent()).includes(conv.number), 'the number stays beside it')
  await settled(A.page)
  await shot(A.page, 'support-inbox-visitor-light')
  await row.click()
  const page = A.page.locator('[data-testid=conversation-page]')
  await page.locator('[data-testid=conversation-title]', { hasText: label }).waitFor()
  await page.locator('[data-testid=contact-name]', { hasText: label }).waitFor()
  const E = await newUserPage(d.agent, { locale: 'en-US' })
  await E.page.goto(env.base + '/support/' + conv.id)
  await E.page.locator('[data-testid=conversation-title]', { hasText: `Visitor #${conv.contact_id.slice(-4)}` }).waitFor()
})

test('a user who is not an agent sees a calm page and no errors', async () => {
  const u = await mkUser('nonagent', 'Иван Посторонний')
  const U = await newUserPage(u, { locale: 'en-US' })
  await U.page.locator('a[href="/support"]').click()
  await U.page.locator('[data-testid=support-view] .state', { hasText: 'for its agents' }).waitFor()
  assert((await U.page.locator('a[href="/support"] .badge').count()) === 0, 'no badge')
})

test('a support admin reads the reports: cards, the heatmap, the tables, and downloads the CSV', async () => {
  const d = await desk()
  const boss = await mkUser('supboss', 'Мария Руководитель')
  const { roles } = await env.admin.req('GET', '/admin/roles')
  await env.admin.req('POST', `/admin/users/${boss.id}/roles`, { role_id: roles.find((r) => r.name === 'support.admin').id })
  await env.admin.req('PUT', `/support/teams/${d.team.id}/sla`, { frt_minutes: 60, rt_minutes: 480, business_hours_only: false })
  const agentApi = await d.agent.login()
  const first = await customerWrites(d.inbox, 'Ольга Клиентова', 'olga@example.com', 'Не приходит письмо')
  const second = await customerWrites(d.inbox, 'Pavel Buyer', 'pavel@example.com', 'Where is my order?')
  await customerWrites(d.inbox, 'Нина', 'nina@example.com', 'Подскажите тариф')
  await agentApi.req('POST', `/support/conversations/${first.conversation.id}/notes`, { text: 'заметка' })
  await agentApi.req('POST', `/support/conversations/${first.conversation.id}/messages`, { text: 'Отправили ещё раз' })
  await agentApi.req('POST', `/support/conversations/${first.conversation.id}/status`, { status: 'resolved' })
  await first.visitor.req('POST', '/support/widget/csat', { conversation_id: first.conversation.id, rating: 5, comment: 'Быстро, спасибо!' })
  await agentApi.req('POST', `/support/conversations/${second.conversation.id}/messages`, { text: 'Checking' })

  const B = await newUserPage(boss, { locale: 'ru-RU' })
  await B.page.goto(env.base + '/support')
  await B.page.locator('[data-testid=support-reports-link]').click()
  const view = B.page.locator('[data-testid=support-reports]')
  await view.locator('[data-testid=reports-cards]').waitFor()
  await B.page.selectOption('[data-testid=reports-team]', d.team.id)
  await waitFor(async () => (await view.locator('[data-testid=stat-new]').textContent())?.trim() === '3', 'three new conversations of the team')
  assert((await view.locator('[data-testid=stat-resolved]').textContent()).trim() === '1', 'one resolved')
  const heat = view.locator('[data-testid=reports-heatmap]')
  await waitFor(async () => (await heat.getAttribute('data-total')) === '3', 'the heatmap to add up to the new ones')
  await heat.locator('svg').waitFor()
  const agentRow = view.locator(`[data-testid=reports-agent-row][data-id="${d.agent.id}"]`)
  await agentRow.waitFor()
  assert((await agentRow.textContent()).includes('Анна Агентова'), 'the agent is in the table')
  assert((await view.locator('[data-stat=csat]').textContent()).includes('5'), 'the CSAT card shows the rating')
  await settled(B.page)
  await shot(B.page, 'support-reports-light')

  // Business hours: the medians count only the team's working time; back to wall-clock time.
  const cards = view.locator('[data-testid=reports-cards]')
  assert((await cards.getAttribute('data-basis')) === 'wall', 'wall-clock time by default')
  await view.locator('[data-testid=reports-basis] button[data-basis=business]').click()
  await view.locator('[data-testid=reports-cards][data-basis=business]').waitFor()
  assert((await view.locator('[data-testid=reports-basis] button[data-basis=business]').getAttribute('aria-pressed')) === 'true', 'the toggle shows the basis')
  await waitFor(async () => (await view.locator('[data-testid=stat-new]').textContent())?.trim() === '3', 'the same three new conversations')
  await settled(B.page)
  await shot(B.page, 'support-reports-business-light')
  await view.locator('[data-testid=reports-basis] button[data-basis=wall]').click()
  await view.locator('[data-testid=reports-cards][data-basis=wall]').waitFor()

  const [download] = await Promise.all([B.page.waitForEvent('download'), B.page.click('[data-testid=reports-csv]')])
  const csv = (await import('node:fs')).readFileSync(await download.path(), 'utf-8')
  const lines = csv.trim().split(/\r?\n/)
  assert(lines[0].startsWith('scope,id,name,roles,new,open_at_end,resolved'), 'the CSV has its header row')
  const total = lines[1].split(',')
  assert(total[0] === 'total' && total[4] === '3' && total[6] === '1', `the CSV's total row has the same numbers: ${lines[1]}`)
  assert(lines.some((l) => l.startsWith(`agent,${d.agent.id},`)), "the CSV has the agent's row")

  await B.page.click('.theme-btn')
  await settled(B.page)
  await shot(B.page, 'support-reports-dark')
  await B.page.click('.theme-btn')

  // The conversation page shows the clocks and the rating.
  await B.page.goto(env.base + `/support/${first.conversation.id}`)
  const side = B.page.locator('[data-testid=conversation-sla]')
  await side.locator('[data-testid=sla-clock][data-metric=frt][data-state=hit]').waitFor()
  await side.locator('[data-testid=sla-clock][data-metric=rt][data-state=hit]').waitFor()
  await B.page.locator('[data-testid=csat-rating][data-rating="5"]').waitFor()

  // The SLA settings page edits the team's policy.
  await B.page.goto(env.base + '/support/sla')
  const form = B.page.locator(`[data-testid=sla-policy][data-team="${d.team.id}"]`)
  await form.waitFor()
  assert((await form.locator('[data-testid=sla-frt]').inputValue()) === '60', 'the policy is shown')
  await form.locator('[data-testid=sla-nrt]').fill('30')
  await form.locator('[data-testid=sla-save]').click()
  await waitFor(async () => (await env.admin.req('GET', `/support/teams/${d.team.id}/sla`)).nrt_minutes === 30, 'the policy to be saved')
  await settled(B.page)
  await shot(B.page, 'support-sla-settings-light')
})
