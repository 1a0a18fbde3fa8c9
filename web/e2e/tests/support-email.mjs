// The support desk's email channel in the agent's conversation page: a customer's mail arrives
// through the inbound webhook (the mail servers themselves are tested in
// server/tests/integration/test_support_email.py); the agent sees the mail's subject at the side,
// replies, and the reply's delivery state shows (here "not sent": the mailbox has no SMTP server).
import { assert, env, mkUser, newUserPage, settled, shot, test, uniqueName } from '../harness.mjs'

test('an email conversation shows its mail and the reply’s delivery state', async () => {
  const agent = await mkUser('mailagent', 'Мария Почтова')
  const { roles } = await env.admin.req('GET', '/admin/roles')
  const role = roles.find((r) => r.name === 'support.agent')
  await env.admin.req('POST', `/admin/users/${agent.id}/roles`, { role_id: role.id })
  const team = await env.admin.req('POST', '/support/teams', { name: uniqueName('Почта ') })
  await env.admin.req('PUT', `/support/teams/${team.id}/members`, { members: [{ user_id: agent.id, capacity: 5 }] })
  await env.admin.req('PUT', `/support/agents/${agent.id}/availability`, { availability: 'online' })
  const inbox = await env.admin.req('POST', '/support/inboxes', { name: uniqueName('Почта '), channel: 'api', team_id: team.id })
  const box = await env.admin.req('PUT', `/support/inboxes/${inbox.id}/email`, { address: 'support@desk.example', display_name: 'Служба поддержки' })

  const raw = [
    'From: Ирина Клиентова <irina@customer.example>',
    'To: support@desk.example',
    'Subject: =?UTF-8?B?' + Buffer.from('Не могу войти в личный кабинет').toString('base64') + '?=',
    `Message-ID: <${uniqueName('m')}@customer.example>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Здравствуйте! После смены пароля не пускает в кабинет.',
    '',
  ].join('\r\n')
  const r = await fetch(env.base + `/api/v1/support/email/inbound/${inbox.id}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${box.webhook_token}`, 'Content-Type': 'message/rfc822' },
    body: raw,
  })
  assert(r.status === 201, `the webhook took the mail (${r.status})`)
  const made = await r.json()

  const A = await newUserPage(agent, { locale: 'ru-RU' })
  await A.page.goto(env.base + `/support/${made.conversation_id}`)
  const page = A.page.locator('[data-testid=conversation-page]')
  await page.locator('[data-testid=desk-message][data-direction=incoming]', { hasText: 'После смены пароля' }).waitFor()
  const panel = page.locator('[data-testid=email-panel]')
  await panel.locator('[data-testid=email-record][data-state=received]', { hasText: 'Не могу войти в личный кабинет' }).waitFor()

  await A.page.fill('[data-testid=composer-input]', 'Ирина, сбросили пароль — ссылка придёт письмом.')
  await A.page.click('[data-testid=composer-send]')
  await page.locator('[data-testid=desk-message][data-direction=outgoing]', { hasText: 'сбросили пароль' }).waitFor()
  const reply = panel.locator('[data-testid=email-record][data-state=failed]')
  await reply.waitFor()
  assert((await reply.textContent()).includes('Re: Не могу войти в личный кабинет [' + made.number + ']'), 'the reply’s subject carries the number')
  await settled(A.page)
  await shot(A.page, 'support-email-conversation-light')
})
