// Business objects (CTX): a tender registered by the ERP, walked through in the browser as its people
// would — the supplier posts its offer in its confidential chat and goes from the chat to the object;
// the category manager finds the tender, sees the chat tree and the supplier's document, sends it for
// approval; a commission member finds it "for my decision", cannot reject without a comment, approves
// and checks the signature; the manager sees it approved live, searches the object's chats and moves
// the tender to the next stage, which archives the supplier's chat.
import { assert, env, mkUser, newUserPage, settled, shot, test, uniqueName, uploadFile, waitFor } from '../harness.mjs'

const TENDER = {
  name: 'Тендер',
  stages: [
    { key: 'offers', name: 'Приём предложений' },
    { key: 'commission', name: 'Работа комиссии' },
    { key: 'contract', name: 'Договор' },
  ],
  chats: [
    { key: 'org', stage: '*', category: 'organization', scope: 'shared', title: 'Организационный чат — {{object.title}}', members: ['owner', 'category_manager', 'commission'] },
    { key: 'supplier', stage: 'offers', category: 'supplier', scope: 'per_counterparty', title: '{{counterparty.name}} — {{object.title}}', members: ['category_manager'] },
    { key: 'commission', stage: 'commission', category: 'commission', scope: 'shared', title: 'Комиссия — {{object.title}}', members: ['category_manager', 'commission'] },
  ],
}

async function tender() {
  const type = uniqueName('tender')
  await env.admin.req('PUT', `/object-types/${type}`, TENDER)
  const manager = await mkUser('manager', 'Мария Закупкина')
  const member = await mkUser('commission', 'Kirill Commission')
  const supplier = await mkUser('supplier', 'Пётр Поставщиков')
  const rival = await mkUser('rival', 'Роман Конкурентов')
  const extId = uniqueName('T-2026-')
  const title = 'Поставка труб ' + extId
  const obj = await env.admin.req('PUT', `/objects/${type}/${extId}`, {
    title,
    url: 'https://erp.example.com/t/' + extId,
    system: 'erp',
    members: [
      { username: manager.username, role: 'category_manager' },
      { username: member.username, role: 'commission' },
    ],
  })
  const alpha = await env.admin.req('POST', `/objects/${obj.id}/counterparties`, { org_ref: '7701000001', name: 'ООО Альфа', users: [supplier.username] })
  const beta = await env.admin.req('POST', `/objects/${obj.id}/counterparties`, { org_ref: '7701000002', name: 'АО Бета', users: [rival.username] })
  const view = await env.admin.req('GET', `/objects/${obj.id}`)
  const chatOf = (cp) => view.chats.find((c) => c.template === 'supplier' && c.counterparty_id === cp.id).chat_id
  return { type, obj, title, extId, manager, member, supplier, rival, alpha, beta, alphaChat: chatOf(alpha), betaChat: chatOf(beta) }
}

test('a tender: the supplier’s offer, approval for my decision with a signature, the next stage', async () => {
  const t = await tender()

  // The supplier posts its offer in its confidential chat, and goes from the chat to the object.
  const supApi = await t.supplier.login()
  const offerWord = uniqueName('труба')
  const file = await uploadFile(supApi, t.alphaChat, 'КП Альфа.pdf', Buffer.from('%PDF-1.4 offer of Alpha ' + offerWord))
  await supApi.req('POST', `/chats/${t.alphaChat}/messages`, { text: `Наше предложение: ${offerWord} 57×3,5`, file_ids: [file.id] })
  const S = await newUserPage(t.supplier, { locale: 'ru-RU' })
  await S.page.locator(`[data-testid=chat-item][data-chat-id="${t.alphaChat}"]`).click()
  await S.page.locator('[data-testid=chat-object-link]', { hasText: 'К объекту' }).click()
  await S.page.locator('[data-testid=object-title]', { hasText: t.title }).waitFor()
  // A supplier sees its own counterparty only: not the rival, not its chat, not its documents.
  await S.page.click('.tabs button[data-tab=people]')
  await S.page.locator('[data-testid=counterparty][data-org-ref="7701000001"]').waitFor()
  assert((await S.page.locator('[data-testid=counterparty]').count()) === 1, 'the supplier sees one counterparty')
  assert(!(await S.page.textContent('[data-testid=object-page]')).includes('АО Бета'), 'the rival’s name is not shown to the supplier')
  await S.page.click('.tabs button[data-tab=chats]')
  await S.page.locator(`[data-testid=object-chat][data-chat-id="${t.alphaChat}"]`).waitFor()
  assert((await S.page.locator(`[data-testid=object-chat][data-chat-id="${t.betaChat}"]`).count()) === 0, 'the rival’s chat is not in the supplier’s tree')
  assert((await S.page.locator('.tabs button[data-tab=history]').count()) === 0, 'no history tab for a supplier')

  // The manager finds the tender in the list (search by its number) and opens it.
  const M = await newUserPage(t.manager, { locale: 'ru-RU' })
  M.page.on('dialog', (d) => void d.accept())
  await M.page.locator('a[href="/objects"]').click()
  await M.page.locator('[data-testid=objects-view]').waitFor()
  await M.page.fill('[data-testid=objects-search]', t.extId)
  const row = M.page.locator(`[data-testid=object-row][data-id="${t.obj.id}"]`)
  await row.waitFor()
  assert((await row.textContent()).includes('Приём предложений'), 'the row shows the stage')
  await shot(M.page, 'objects-list-light')
  await row.click()
  await M.page.locator('[data-testid=object-title]', { hasText: t.title }).waitFor()
  await M.page.locator('[data-testid=stepper] li[data-stage=offers][data-status=current]').waitFor()
  await M.page.locator('[data-testid=chat-group][data-category=organization]').waitFor()
  await M.page.locator(`[data-testid=chat-group][data-category=supplier] [data-testid=object-chat][data-chat-id="${t.betaChat}"]`).waitFor()
  await shot(M.page, 'object-page-light')

  // The supplier's file is a document of its counterparty; the manager sends it for approval.
  await M.page.click('.tabs button[data-tab=documents]')
  const doc = M.page.locator('[data-testid=document]', { hasText: 'КП Альфа.pdf' })
  await doc.waitFor()
  assert((await M.page.locator('[data-testid=document-group]', { hasText: 'ООО Альфа' }).count()) === 1, 'the document sits under its supplier')
  await doc.locator('[data-testid=start-approval]').click()
  await M.page.locator('[data-testid=start-approval-dialog]').waitFor()
  await M.page.click('[data-testid=start-submit]')
  await M.page.locator('[data-testid=start-error]').waitFor() // nobody chosen yet
  await M.page.check(`[data-testid=start-person][data-user-id="${t.member.id}"]`)
  // The card: the offer filed as a commercial offer with its number and validity.
  await M.page.fill('[data-testid=card-type]', 'Коммерческое предложение')
  await M.page.fill('[data-testid=card-number]', 'КП-1')
  await M.page.fill('[data-testid=card-valid]', '2027-06-30')
  await settled(M.page)
  await shot(M.page, 'start-approval-light')
  await M.page.click('[data-testid=start-submit]')
  await M.page.locator('[data-testid=approval-dialog] [data-testid=approval-state][data-state=pending]').waitFor()
  await M.page.keyboard.press('Escape')
  const offer = M.page.locator('[data-testid=document]', { hasText: '№ КП-1' })
  await offer.locator('[data-testid=document-approval][data-state=pending]').waitFor()
  assert((await offer.textContent()).includes('30'), 'the card shows its validity')

  // The commission member: the rail's badge, "for my decision", the decision dialog.
  const C = await newUserPage(t.member, { locale: 'en-US' })
  const badge = C.page.locator('a[href="/objects"] .badge')
  await badge.waitFor()
  assert((await badge.textContent()).trim() === '1', 'one decision waits')
  await C.page.locator('a[href="/objects"]').click()
  await C.page.click('.tabs button[data-tab=decisions]')
  const card = C.page.locator('[data-testid=decision]', { hasText: 'КП Альфа.pdf' })
  await card.waitFor()
  assert((await card.textContent()).includes(t.title), 'the card names its object')
  await shot(C.page, 'objects-decisions-light')
  await card.locator('[data-testid=decision-open]').click()
  const dlg = C.page.locator('[data-testid=approval-dialog]')
  await dlg.locator('[data-testid=decision-form]').waitFor()
  // A rejection needs a comment (the type's default): refused before anything is sent.
  await dlg.locator('input[data-decision=reject]').check({ force: true })
  await C.page.click('[data-testid=decision-submit]')
  await dlg.locator('.form-error', { hasText: 'comment' }).waitFor()
  await settled(C.page)
  await shot(C.page, 'approval-dialog-light')
  // The download is the very file the supplier posted.
  const href = await dlg.locator('[data-testid=approval-download]').getAttribute('href')
  const bytes = await C.page.evaluate(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer()).length, href)
  assert(bytes === Buffer.from('%PDF-1.4 offer of Alpha ' + offerWord).length, 'the version downloads')
  await dlg.locator('input[data-decision=approve]').check({ force: true })
  await dlg.locator('[data-testid=decision-comment]').fill('Цена в рынке')
  await C.page.click('[data-testid=decision-submit]')
  await dlg.locator('[data-testid=approval-state][data-state=approved]').waitFor()
  await dlg.locator(`[data-testid=approval-task][data-user-id="${t.member.id}"][data-state=approved]`).waitFor()
  await dlg.locator('[data-testid=task-comment]', { hasText: 'Цена в рынке' }).waitFor()
  await dlg.locator('[data-testid=verify-signature]').click()
  await dlg.locator('[data-testid=signature-valid]').waitFor()
  await C.page.keyboard.press('Escape')
  await C.page.locator('[data-testid=decisions] .state', { hasText: 'Nothing waits for your decision.' }).waitFor()
  await waitFor(async () => (await badge.count()) === 0, 'the badge to go')

  // The manager's page follows live: the document is approved.
  await offer.locator('[data-testid=document-approval][data-state=approved]').waitFor()

  // Search across the object's chats finds the supplier's message and opens it in its chat.
  await M.page.click('.tabs button[data-tab=chats]')
  await M.page.fill('[data-testid=object-search]', offerWord)
  const hit = M.page.locator('[data-testid=object-search-hit]', { hasText: offerWord })
  await hit.waitFor()
  await hit.click()
  await M.page.waitForURL(`**/chats/${t.alphaChat}`)
  await M.page.locator('.message-list [data-testid=message-text]', { hasText: offerWord }).waitFor()
  await M.page.locator('[data-testid=chat-object-link]').click()

  // The next stage: the suppliers' chats are archived, the commission's opened.
  await M.page.locator('[data-testid=next-stage]', { hasText: 'Работа комиссии' }).click()
  await M.page.locator('[data-testid=stepper] li[data-stage=commission][data-status=current]').waitFor()
  await M.page.locator('[data-testid=stepper] li[data-stage=offers][data-status=done]').waitFor()
  await M.page.locator(`[data-testid=chat-group][data-category=archived] [data-testid=object-chat][data-chat-id="${t.alphaChat}"][data-state=archived]`).waitFor()
  await M.page.locator('[data-testid=chat-group][data-category=commission]').waitFor()
  await M.page.evaluate(() => localStorage.setItem('veche.theme', 'dark'))
  await M.page.reload()
  await M.page.locator('[data-testid=chat-group][data-category=archived]').waitFor()
  await shot(M.page, 'object-page-dark')

  // The supplier's chat is read-only now, for the supplier too (the stage's events go to the staff:
  // a supplier learns of it from its chat, archived, and from the object page when it opens again).
  await S.page.reload()
  await S.page.locator(`[data-testid=object-chat][data-chat-id="${t.alphaChat}"][data-state=archived]`).waitFor()
  await S.page.locator(`[data-testid=object-chat][data-chat-id="${t.alphaChat}"]`).click()
  await S.page.locator('.readonly-bar').waitFor()
  assert((await S.page.locator('[data-testid=composer]').count()) === 0, 'no composer in an archived chat')
})

test('objects: an outsider sees no object, and a wrong id is a clear page, not a crash', async () => {
  const t = await tender()
  const stranger = await mkUser('stranger', 'Sam Stranger')
  const X = await newUserPage(stranger, { locale: 'en-US' })
  await X.page.locator('a[href="/objects"]').click()
  await X.page.locator('[data-testid=objects-view] .state', { hasText: 'No objects yet' }).waitFor()
  // By id, the server answers 404 exactly as for an unknown id (the page says so; the 404 is expected).
  const r = await fetch(`${env.base}/api/v1/objects/${t.obj.id}`, { headers: { Authorization: `Bearer ${(await stranger.login()).token}` } })
  assert(r.status === 404, 'a stranger gets 404 for the object: ' + r.status)
})

test('objects: a commission votes by the card’s buttons in its chat, and the card shows the result', async () => {
  const t = await tender()
  const mApi = await t.manager.login()
  const moved = await mApi.req('POST', `/objects/${t.obj.id}/stage`, { from: 'offers', to: 'commission' })
  const commissionChat = moved.chats.find((c) => c.template === 'commission').chat_id
  const vote = await mApi.req('POST', `/chats/${commissionChat}/votes`, {
    title: 'Выбор поставщика',
    electorate: [{ user_id: t.member.id }],
    deadline_at: Date.now() + 3_600_000,
  })
  const C = await newUserPage(t.member, { locale: 'ru-RU' })
  await C.page.locator(`[data-testid=chat-item][data-chat-id="${commissionChat}"]`).click()
  const card = C.page.locator('[data-testid=message]', { hasText: 'Выбор поставщика' }).filter({ has: C.page.locator('[data-testid=message-buttons]') })
  await card.waitFor()
  await card.locator('[data-testid=message-button]', { hasText: 'За' }).click()
  // The whole electorate has voted: the vote closes, the card loses its buttons, the result is posted.
  await waitFor(async () => (await mApi.req('GET', `/votes/${vote.id}`)).state === 'closed', 'the vote to close')
  const closed = await mApi.req('GET', `/votes/${vote.id}`)
  assert(closed.result === 'passed' && closed.counts[0] === 1, 'one vote for: ' + JSON.stringify(closed))
  await C.page.locator('[data-testid=message]', { hasText: 'Выбор поставщика' }).locator('[data-testid=message-buttons]').waitFor({ state: 'detached' })
  await shot(C.page, 'object-vote-light')
})
