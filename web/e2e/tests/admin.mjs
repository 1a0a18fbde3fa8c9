// Administration: the admin page creates a user with a generated password, who must change it at the
// first sign-in (the forced password change) before the messenger or the API serve them; the
// background jobs section lists the server's jobs by state.
import { assert, env, mkUser, newContext, newUserPage, openPage, shot, test, uniqueName, waitFor } from '../harness.mjs'

test('admin page: create a user, reset a password', async () => {
  const alice = await mkUser('alice', 'Алиса Петрова')
  const dave = uniqueName('dave')
  const adm = await newUserPage({ username: 'admin', password: env.admin.password }, { locale: 'en-US' })
  await adm.page.locator('a[href="/admin"]').click()
  await adm.page.locator(`tr[data-username=${alice.username}]`).waitFor()
  await adm.page.click('[data-testid=admin-create]')
  await adm.page.fill('#nu-username', dave)
  await adm.page.fill('#nu-name', 'Dave Lister')
  await adm.page.click('button[form=create-user]')
  await adm.page.locator('[data-testid=revealed-password]').waitFor()
  const pw = (await adm.page.textContent('[data-testid=revealed-password]')).trim()
  assert(pw.length >= 8, 'generated password shown')
  await adm.page.keyboard.press('Escape')
  await adm.page.locator(`tr[data-username=${dave}]`).waitFor()
  await shot(adm.page, 'admin-light')
  await adm.page.evaluate(() => localStorage.setItem('veche.theme', 'dark'))
  await adm.page.reload()
  await adm.page.locator(`tr[data-username=${dave}]`).waitFor()
  await shot(adm.page, 'admin-dark')
  // Alice cannot see the admin entry.
  const A = await newUserPage(alice, { locale: 'ru-RU' })
  await A.page.locator('.rail-me').waitFor()
  assert((await A.page.locator('a[href="/admin"]').count()) === 0, 'admin link hidden for users')
  // A user created with a generated password must change it at first sign-in.
  const d = await newContext({ who: dave, locale: 'en-US' })
  const p = await openPage(d, dave)
  await p.goto(env.base + '/')
  await p.fill('#login-username', dave)
  await p.fill('#login-password', pw)
  await p.click('button[type=submit]')
  // The forced change is mandatory: the app shows it instead of the messenger, and the server refuses
  // everything else (403 password_change_required) until it is done.
  await p.locator('#cp-new').waitFor()
  assert((await p.locator('.sidebar').count()) === 0, 'no messenger before the password is changed')
  // Asked from outside the page, so that a 403 in the page's console could only come from the app
  // itself calling what the server refuses (the console check at the end would catch that).
  const cookie = (await d.cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
  const r = await fetch(env.base + '/api/v1/chats', { headers: { Cookie: cookie } })
  const refused = { status: r.status, body: await r.json().catch(() => null) }
  assert(refused.status === 403 && refused.body?.error?.code === 'password_change_required', 'server refuses chats before the change: ' + JSON.stringify(refused))
  await shot(p, 'change-password-light')
  await p.fill('#cp-old', pw)
  await p.fill('#cp-new', 'davepass123')
  await p.fill('#cp-repeat', 'davepass123')
  await p.click('button[type=submit]')
  await p.locator('.sidebar').waitFor()
  await p.locator('[data-testid=chat-item], .sidebar .state').first().waitFor()
})

test('admin page: background jobs by state, with the kind filter', async () => {
  const alice = await mkUser('alice', 'Алиса Петрова')
  const aliceApi = await alice.login()
  const c = await aliceApi.req('POST', '/chats', { type: 'channel', name: uniqueName('jobs'), visibility: 'public' })
  // A scheduled message due at once is a job that runs and is done.
  const s = await aliceApi.req('POST', `/chats/${c.id}/scheduled-messages`, { text: 'from a job', send_at: Date.now() + 500 })
  await waitFor(async () => (await aliceApi.req('GET', `/scheduled-messages/${s.id}`)).state === 'sent', 'the scheduled message to be sent')
  const adm = await newUserPage({ username: 'admin', password: env.admin.password }, { locale: 'en-US' })
  await adm.page.goto(env.base + '/admin?tab=jobs')
  await adm.page.locator('[data-testid=jobs-section]').waitFor()
  // Dead first: the ones that need an administrator (none here).
  await adm.page.locator('.seg button[data-state=dead][aria-pressed=true]').waitFor()
  await adm.page.locator('[data-testid=jobs-section] .state', { hasText: 'No jobs in this state.' }).waitFor()
  await adm.page.click('.seg button[data-state=done]')
  const row = adm.page.locator('[data-testid=job-row][data-state=done]', { hasText: 'scheduled.send' }).filter({ hasText: s.id })
  await row.waitFor()
  assert((await row.locator('[data-testid=job-retry]').count()) === 0, 'no retry for a done job')
  await adm.page.fill('[data-testid=jobs-kind]', 'no.such.kind')
  await adm.page.locator('[data-testid=jobs-section] .state', { hasText: 'No jobs in this state.' }).waitFor()
  await adm.page.fill('[data-testid=jobs-kind]', 'scheduled.send')
  await row.waitFor()
  await shot(adm.page, 'admin-jobs-light')
  // The users tab is one click away; the address keeps the tab.
  await adm.page.click('.tabs button[data-tab=users]')
  await adm.page.locator(`tr[data-username=${alice.username}]`).waitFor()
  await adm.page.click('.tabs button[data-tab=jobs]')
  await adm.page.waitForURL(/tab=jobs/)
  await adm.page.evaluate(() => localStorage.setItem('veche.theme', 'dark'))
  await adm.page.reload()
  await adm.page.click('.seg button[data-state=done]')
  await row.waitFor()
  await shot(adm.page, 'admin-jobs-dark')
})
