// The embeddable support widget (SUP, docs/operations.md "Embedding the support widget"): a company's
// page on another origin (a tiny HTTP server of this test, on its own port, with CSS that would break
// an unshielded widget) embeds the one script tag. The visitor writes in Chromium and sees the ticket
// number; the agent, already looking at the inbox on the Veche origin, sees the conversation arrive
// live (and the rail's badge count it), gets the visitor's file, replies, and the visitor sees the
// reply without a reload; after a reload the visitor still has the history. The agent's messenger
// links the conversation's chat back to the conversation. On an inbox limited to the site's origin, a new
// visitor picks one of the desk's topics (it routes the conversation), and rates the resolved
// conversation once in the widget's rating card, which a reload remembers.
import { createHmac } from 'node:crypto'
import http from 'node:http'
import { assert, env, expectStatus, mkUser, newContext, newUserPage, openPage, settled, shot, test, uniqueName, waitFor } from '../harness.mjs'

async function desk({ hmac = false } = {}) {
  const agent = await mkUser('wagent', 'Вера Агентова')
  const { roles } = await env.admin.req('GET', '/admin/roles')
  const role = roles.find((r) => r.name === 'support.agent')
  await env.admin.req('POST', `/admin/users/${agent.id}/roles`, { role_id: role.id })
  const team = await env.admin.req('POST', '/support/teams', { name: uniqueName('Сайт-линия ') })
  await env.admin.req('PUT', `/support/teams/${team.id}/members`, { members: [{ user_id: agent.id, capacity: 5 }] })
  await env.admin.req('PUT', `/support/agents/${agent.id}/availability`, { availability: 'online' })
  const inbox = await env.admin.req('POST', '/support/inboxes', { name: uniqueName('Магазин '), channel: 'widget', team_id: team.id, hmac_mandatory: hmac })
  return { agent, team, inbox }
}

/** The company's site: another origin (localhost on another port), hostile CSS, the script tag. */
async function foreignSite(inboxToken, { user = null, lang = 'ru' } = {}) {
  const setUser = user ? `<script>window.VecheWidget = { q: [["setUser", ${JSON.stringify(user)}]] }</script>` : ''
  const page = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Магазин</title>
<link rel="icon" href="data:,">
<style>* { font-size: 30px !important; color: #0a0 !important; } button { display: none !important; } div { margin: 40px; }</style>
</head><body><h1>Магазин билетов</h1><p>Страница компании на своём домене.</p>
${setUser}<script src="${env.base}/widget.js" data-inbox="${inboxToken}" data-lang="${lang}" async></script>
</body></html>`
  const server = http.createServer((req, res) => {
    if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end(page)
    } else {
      res.writeHead(204)
      res.end()
    }
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://localhost:${server.address().port}/`
  return { url, close: () => new Promise((resolve) => server.close(resolve)) }
}

test('a visitor on a foreign site writes through the widget; the agent answers live', async () => {
  const d = await desk()
  const site = await foreignSite(d.inbox.token)
  try {
    assert(new URL(site.url).origin !== new URL(env.base).origin, 'the site is another origin')

    // The agent watches the inbox before anything arrives.
    const A = await newUserPage(d.agent, { locale: 'ru-RU' })
    await A.page.locator('a[href="/support"]').click()
    await A.page.locator('[data-testid=support-view]').waitFor()
    const badge = A.page.locator('a[href="/support"] .badge')
    assert((await badge.count()) === 0, 'nothing is mine yet')

    const ctx = await newContext({ who: 'visitor', locale: 'ru-RU', viewport: { width: 1200, height: 800 } })
    const V = await openPage(ctx, 'visitor')
    await V.goto(site.url)
    const launcher = V.locator('[data-testid=widget-launcher]')
    await launcher.waitFor()
    assert(await launcher.isVisible(), "the page's `button { display: none }` does not reach the widget")
    await launcher.click()
    await V.fill('[data-testid=widget-input]', 'Здравствуйте! Не пришёл электронный билет на 12 декабря.')
    await V.click('[data-testid=widget-send]')
    const number = V.locator('[data-testid=widget-number]')
    await waitFor(async () => /SUP-\d{6}/.test((await number.textContent()) ?? ''), 'the ticket number in the widget')
    const shown = (await number.textContent()).match(/SUP-\d{6}/)[0]
    await V.locator('[data-testid=widget-messages] [data-from=visitor]', { hasText: 'электронный билет' }).waitFor()
    const fontSize = await V.locator('[data-testid=widget-input]').evaluate((e) => getComputedStyle(e).fontSize)
    assert(fontSize === '14px', `the page's CSS does not reach the widget (font-size ${fontSize})`)
    await settled(V)
    await shot(V, 'support-widget-light')

    // Live in the inbox: the row and the badge, without a reload.
    const row = A.page.locator('[data-testid=conversation-row]', { hasText: shown })
    await row.waitFor()
    await waitFor(async () => (await badge.count()) === 1 && (await badge.textContent()).trim() === '1', 'the badge to count it')
    await row.click()
    const conv = A.page.locator('[data-testid=conversation-page]')
    await conv.locator('[data-testid=desk-message][data-direction=incoming]', { hasText: 'электронный билет' }).waitFor()

    // A file from the visitor arrives in the open conversation too.
    await V.locator('[data-testid=widget-file]').setInputFiles({ name: 'квитанция.txt', mimeType: 'text/plain', buffer: Buffer.from('Оплачено 12.12') })
    await V.locator('[data-testid=widget-messages] [data-testid=widget-file-link]', { hasText: 'квитанция.txt' }).waitFor()
    await conv.locator('[data-testid=desk-message][data-direction=incoming]', { hasText: 'квитанция.txt' }).waitFor()

    // A second message arrives while the agent has the conversation open.
    await V.fill('[data-testid=widget-input]', 'Заказ № 4411.')
    await V.keyboard.press('Enter')
    await conv.locator('[data-testid=desk-message][data-direction=incoming]', { hasText: 'Заказ № 4411' }).waitFor()

    await A.page.fill('[data-testid=composer-input]', 'Билет отправлен повторно, проверьте почту.')
    await A.page.click('[data-testid=composer-send]')
    await conv.locator('[data-testid=desk-message][data-direction=outgoing]', { hasText: 'отправлен повторно' }).waitFor()
    await settled(A.page)
    await shot(A.page, 'support-conversation-file-light')

    // The visitor sees the reply without a reload (the widget polls while open).
    await V.locator('[data-testid=widget-messages] [data-from=agent]', { hasText: 'отправлен повторно' }).waitFor()

    // After a reload the history is still there (the visitor token is in the site's localStorage).
    await V.reload()
    await V.locator('[data-testid=widget-launcher]').click()
    await V.locator('[data-testid=widget-messages] [data-from=visitor]', { hasText: 'электронный билет' }).waitFor()
    await V.locator('[data-testid=widget-messages] [data-from=agent]', { hasText: 'отправлен повторно' }).waitFor()
    await waitFor(async () => ((await number.textContent()) ?? '').includes(shown), 'the number after the reload')

    // Closed, the launcher marks a new answer (the widget looks every 10 s), and opening clears the mark.
    const marked = () => V.locator('[data-testid=widget-launcher]').evaluate((e) => e.classList.contains('unread'))
    await V.locator('[data-testid=widget-launcher]').click()
    assert(!(await marked()), 'nothing unread after reading')
    await A.page.fill('[data-testid=composer-input]', 'И ещё: билет продублирован в SMS.')
    await A.page.click('[data-testid=composer-send]')
    await conv.locator('[data-testid=desk-message][data-direction=outgoing]', { hasText: 'продублирован' }).waitFor()
    await waitFor(marked, 'the launcher to mark the new answer')
    await V.locator('[data-testid=widget-launcher]').click()
    await V.locator('[data-testid=widget-messages] [data-from=agent]', { hasText: 'продублирован' }).waitFor()
    assert(!(await marked()), 'opening clears the mark')

    // The conversation's chat in the messenger links back to the conversation.
    const c = (await env.admin.req('GET', '/support/conversations?limit=50')).conversations.find((x) => x.number === shown)
    await A.page.goto(env.base + `/chats/${c.chat_id}`)
    const link = A.page.locator('[data-testid=chat-support-link]')
    await link.waitFor()
    const text = (await link.textContent()).replace(/\s+/g, ' ')
    assert(text.includes(shown) && text.includes('Открыто'), `the chat's header names the conversation: ${text}`)
    await settled(A.page)
    await shot(A.page, 'support-chat-link-light')
    await link.click()
    await A.page.locator('[data-testid=conversation-page] [data-testid=desk-message]', { hasText: 'Заказ № 4411' }).waitFor()
  } finally {
    await site.close()
  }
})

test('a signed-in customer (setUser with the HMAC) writes on an inbox that demands verification', async () => {
  const d = await desk({ hmac: true })
  const identifier = uniqueName('customer-')
  const identifier_hash = createHmac('sha256', d.inbox.hmac_secret).update(identifier).digest('hex')
  const site = await foreignSite(d.inbox.token, { user: { identifier, identifier_hash, name: 'Olga Buyer', email: 'olga@example.com' }, lang: 'en' })
  try {
    const ctx = await newContext({ who: 'verified-visitor', locale: 'en-US' })
    const V = await openPage(ctx, 'verified-visitor')
    await V.goto(site.url)
    await V.locator('[data-testid=widget-launcher]').click()
    await V.locator('[data-testid=widget-messages]', { hasText: 'Ask us anything' }).waitFor()
    await V.fill('[data-testid=widget-input]', 'Where is my refund?')
    await V.click('[data-testid=widget-send]')
    const number = V.locator('[data-testid=widget-number]')
    await waitFor(async () => /Request SUP-\d{6} · open/.test((await number.textContent()) ?? ''), 'the number in English')
    const shown = (await number.textContent()).match(/SUP-\d{6}/)[0]
    const c = (await env.admin.req('GET', '/support/conversations?limit=50')).conversations.find((x) => x.number === shown)
    assert(c.contact.verified && c.contact.external_id === identifier && c.contact.name === 'Olga Buyer', 'the contact is the verified customer')

    // Another browser of the same customer (no stored token) finds the same conversation.
    const ctx2 = await newContext({ who: 'verified-visitor-2', locale: 'en-US' })
    const V2 = await openPage(ctx2, 'verified-visitor-2')
    await V2.goto(site.url)
    await V2.locator('[data-testid=widget-launcher]').click()
    await V2.fill('[data-testid=widget-input]', 'Any news?')
    await V2.click('[data-testid=widget-send]')
    await V2.locator('[data-testid=widget-messages] [data-from=visitor]', { hasText: 'Where is my refund?' }).waitFor()
    await waitFor(async () => ((await V2.locator('[data-testid=widget-number]').textContent()) ?? '').includes(shown), 'the same number')
  } finally {
    await site.close()
  }
})

test("a customer's day: widget on a foreign site, assignment, a note, a snooze, a reply, resolve, a reopen, the report", async () => {
  const d = await desk()
  const site = await foreignSite(d.inbox.token)
  try {
    const A = await newUserPage(d.agent, { locale: 'ru-RU' })
    await A.page.locator('a[href="/support"]').click()
    await A.page.locator('[data-testid=support-view]').waitFor()

    const ctx = await newContext({ who: 'journey-visitor', locale: 'ru-RU', viewport: { width: 1200, height: 800 } })
    const V = await openPage(ctx, 'journey-visitor')
    await V.goto(site.url)
    await V.locator('[data-testid=widget-launcher]').click()
    await V.fill('[data-testid=widget-input]', 'Добрый день! Хочу поменять дату поездки.')
    await V.click('[data-testid=widget-send]')
    const number = V.locator('[data-testid=widget-number]')
    await waitFor(async () => /SUP-\d{6}/.test((await number.textContent()) ?? ''), 'the ticket number in the widget')
    const shown = (await number.textContent()).match(/SUP-\d{6}/)[0]

    // Assigned by the engine to the only online agent: it is in their inbox, live.
    const row = A.page.locator('[data-testid=conversation-row]', { hasText: shown })
    await row.waitFor()
    await row.click()
    const conv = A.page.locator('[data-testid=conversation-page]')
    await conv.locator('[data-testid=desk-message][data-direction=incoming]', { hasText: 'дату поездки' }).waitFor()
    const id = (await env.admin.req('GET', '/support/conversations?limit=50')).conversations.find((x) => x.number === shown).id
    assert((await env.admin.req('GET', `/support/conversations/${id}`)).assignee_id === d.agent.id, 'assigned to the agent')

    // A note for colleagues, then a snooze until the customer writes.
    await A.page.click('[data-testid=composer] [data-mode=note]')
    await A.page.fill('[data-testid=composer-input]', 'Уточнить тариф у перевозчика')
    await A.page.click('[data-testid=composer-send]')
    await conv.locator('[data-testid=desk-message][data-direction=note]', { hasText: 'Уточнить тариф' }).waitFor()
    await A.page.click('[data-testid=composer] [data-mode=reply]')
    await A.page.click('[data-testid=action-snooze]')
    await A.page.click('[data-snooze=until_reply]')
    await conv.locator('[data-testid=conversation-status][data-status=snoozed]').waitFor()

    // The customer writes: the conversation wakes on the agent's open page without a reload.
    await V.fill('[data-testid=widget-input]', 'На 14 декабря, если можно.')
    await V.keyboard.press('Enter')
    await conv.locator('[data-testid=conversation-status][data-status=open]').waitFor()
    await conv.locator('[data-testid=desk-message][data-direction=incoming]', { hasText: '14 декабря' }).waitFor()

    // The reply reaches the widget; the note never does. Then resolve.
    await A.page.fill('[data-testid=composer-input]', 'Готово: поездка перенесена на 14 декабря.')
    await A.page.click('[data-testid=composer-send]')
    await V.locator('[data-testid=widget-messages] [data-from=agent]', { hasText: 'перенесена' }).waitFor()
    assert(!((await V.locator('[data-testid=widget-messages]').textContent()) ?? '').includes('тариф у перевозчика'), 'the note stays inside')
    await A.page.click('[data-testid=action-resolve]')
    await conv.locator('[data-testid=conversation-status][data-status=resolved]').waitFor()

    // A new question in the same conversation within the window reopens it, back to the same agent.
    await waitFor(async () => ((await number.textContent()) ?? '').includes('решено'), 'the widget to show it resolved')
    await V.fill('[data-testid=widget-input]', 'Ой, а багаж тоже перенесётся?')
    await V.keyboard.press('Enter')
    await conv.locator('[data-testid=conversation-status][data-status=open]').waitFor()
    const reopened = await env.admin.req('GET', `/support/conversations/${id}`)
    assert(reopened.reopen_count === 1 && reopened.assignee_id === d.agent.id, 'reopened once, to the last agent')
    await settled(A.page)
    await shot(A.page, 'support-journey-reopened-light')

    // The day in the report: one new conversation of the team, and the heatmap adds up to it.
    const B = await newUserPage({ username: 'admin', password: env.admin.password }, { locale: 'ru-RU' })
    await B.page.goto(env.base + '/support/reports')
    const view = B.page.locator('[data-testid=support-reports]')
    await view.locator('[data-testid=reports-cards]').waitFor()
    await B.page.selectOption('[data-testid=reports-team]', d.team.id)
    await waitFor(async () => (await view.locator('[data-testid=stat-new]').textContent())?.trim() === '1', 'one new conversation of the team')
    await waitFor(async () => (await view.locator('[data-testid=reports-heatmap]').getAttribute('data-total')) === '1', 'the heatmap to add up to it')
    await view.locator(`[data-testid=reports-agent-row][data-id="${d.agent.id}"]`).waitFor()
  } finally {
    await site.close()
  }
})

test('a new visitor on an allowed site picks a topic, and rates the resolved conversation once', async () => {
  const d = await desk()
  const billing = await env.admin.req('POST', '/support/teams', { name: uniqueName('Оплата-линия ') })
  const tickets = await env.admin.req('POST', '/support/topics', { team_id: d.team.id, title: uniqueName('Билеты и даты ') })
  const payment = await env.admin.req('POST', '/support/topics', { team_id: billing.id, title: uniqueName('Оплата и возвраты ') })
  const site = await foreignSite(d.inbox.token)
  try {
    // Only the company's site may use the inbox (set in the inbox's settings): the widget runs there
    // under an echoed origin.
    const origin = new URL(site.url).origin
    const Adm = await newUserPage({ username: 'admin', password: env.admin.password }, { locale: 'ru-RU' })
    await Adm.page.goto(env.base + '/support/admin')
    const row = Adm.page.locator(`[data-testid=inbox-row][data-name="${d.inbox.name}"]`)
    await row.locator('button').click()
    const editor = Adm.page.locator('[data-testid=inbox-editor]')
    await editor.locator('[data-testid=inbox-edit-origins]').fill(`${origin.toUpperCase()}/\n`)
    await editor.locator('[data-testid=inbox-edit-save]').click()
    await waitFor(async () => (await Adm.page.locator('[data-testid=inbox-origins-shown]').textContent()) === origin, 'the listed site')
    await settled(Adm.page)
    await shot(Adm.page, 'support-admin-inbox-origins-light')
    const saved = (await env.admin.req('GET', '/support/inboxes')).inboxes.find((i) => i.id === d.inbox.id)
    assert(saved.allowed_origins.length === 1 && saved.allowed_origins[0] === origin, 'the inbox lists the site')

    const ctx = await newContext({ who: 'rating-visitor', locale: 'ru-RU', viewport: { width: 1200, height: 800 } })
    const V = await openPage(ctx, 'rating-visitor')
    await V.goto(site.url)
    await V.locator('[data-testid=widget-launcher]').click()
    const picker = V.locator('[data-testid=widget-topics]')
    await picker.waitFor()
    assert((await picker.locator('[data-testid=widget-topic]').count()) >= 2, 'the desk has a choice of topics')
    const pick = picker.locator(`[data-testid=widget-topic][data-id="${payment.id}"]`)
    await pick.click()
    assert((await pick.getAttribute('aria-pressed')) === 'true', 'the chosen topic is marked')
    assert((await picker.locator(`[data-id="${tickets.id}"]`).getAttribute('aria-pressed')) === 'false', 'only one is marked')
    await settled(V)
    await shot(V, 'support-widget-topics-light')
    await V.fill('[data-testid=widget-input]', 'Списали деньги дважды за один билет.')
    await V.click('[data-testid=widget-send]')
    const number = V.locator('[data-testid=widget-number]')
    await waitFor(async () => /SUP-\d{6}/.test((await number.textContent()) ?? ''), 'the ticket number in the widget')
    await picker.waitFor({ state: 'detached' })
    const shown = (await number.textContent()).match(/SUP-\d{6}/)[0]
    const c = (await env.admin.req('GET', '/support/conversations?limit=50')).conversations.find((x) => x.number === shown)
    assert(c.topic_id === payment.id && c.team_id === billing.id, "the topic routed it to its team, not the inbox's")

    // A file over the limit: the transport's 413 is readable on the foreign page, not a network error.
    expectStatus(V, 413)
    const status = await V.evaluate(
      async ({ base, inbox, cid }) => {
        const saved = JSON.parse(localStorage.getItem('veche-widget:' + inbox))
        const r = await fetch(`${base}/api/v1/support/widget/conversations/${cid}/files?name=big.bin&inbox=${inbox}`, {
          method: 'POST',
          headers: { Authorization: 'Bearer ' + saved.token, 'Content-Type': 'application/octet-stream' },
          body: new Uint8Array(10 * 1024 * 1024 + 1),
        })
        return { status: r.status, code: (await r.json()).error?.code }
      },
      { base: env.base, inbox: d.inbox.token, cid: c.id },
    )
    assert(status.status === 413 && status.code === 'file_too_large', `the page reads the refusal: ${JSON.stringify(status)}`)

    // Resolved: the rating card, five stars and a comment.
    await env.admin.req('POST', `/support/conversations/${c.id}/messages`, { text: 'Вернули лишнее списание.' })
    await env.admin.req('POST', `/support/conversations/${c.id}/status`, { status: 'resolved' })
    const card = V.locator('[data-testid=widget-csat]')
    await V.locator('[data-testid=widget-csat][data-state=ask]').waitFor()
    const send = card.locator('[data-testid=widget-csat-send]')
    assert(await send.isDisabled(), 'nothing to send before a star is chosen')
    await card.locator('button[data-rating="4"]').click()
    await waitFor(async () => (await card.locator('.star.on').count()) === 4, 'four stars lit')
    await card.locator('[data-testid=widget-csat-comment]').fill('Быстро разобрались, спасибо.')
    await settled(V)
    await shot(V, 'support-widget-rating-light')
    await send.click()
    await V.locator('[data-testid=widget-csat][data-state=thanks] [data-testid=widget-csat-thanks]').waitFor()
    const sla = await env.admin.req('GET', `/support/conversations/${c.id}/sla`)
    assert(sla.csat.rating === 4 && sla.csat.comment === 'Быстро разобрались, спасибо.', 'the rating reached the desk')
    await settled(V)
    await shot(V, 'support-widget-rating-thanks-light')

    // A reload remembers it: the thanks, no second card.
    await V.reload()
    await V.locator('[data-testid=widget-launcher]').click()
    await V.locator('[data-testid=widget-csat][data-state=thanks]').waitFor()
    assert((await card.locator('[data-testid=widget-csat-send]').count()) === 0, 'no second rating is offered')
    assert((await card.locator('.star.on').count()) === 4, 'the thanks shows the stars given')
  } finally {
    await env.admin.req('PATCH', `/support/inboxes/${d.inbox.id}`, { allowed_origins: [] })
    await site.close()
  }
})
