// Roles and permissions in the admin console: the admin makes a custom role holding audit.read,
// grants it to a plain user, who then reads the audit log through the API; revoking takes it back,
// and an archived role leaves the list.
import { assert, env, mkUser, newUserPage, shot, test, uniqueName } from '../harness.mjs'

/** The status of GET /admin/audit for `api`'s session (a 403 is an answer here, not a failure). */
async function auditStatus(api) {
  const r = await fetch(env.base + '/api/v1/admin/audit', { headers: { Authorization: `Bearer ${api.token}` } })
  return r.status
}

test('admin console: a custom role with audit.read, granted and revoked', async () => {
  const maria = await mkUser('maria', 'Мария Соколова')
  const mariaApi = await maria.login()
  assert((await auditStatus(mariaApi)) === 403, 'a plain user cannot read the audit log')
  const name = uniqueName('auditor')

  const adm = await newUserPage({ username: 'admin', password: env.admin.password }, { locale: 'en-US' })
  adm.page.on('dialog', (d) => void d.accept())
  await adm.page.goto(env.base + '/admin?tab=roles')
  await adm.page.locator('[data-testid=roles-section]').waitFor()
  await adm.page.locator('[data-testid=role-row][data-name=admin]', { hasText: 'Every permission' }).waitFor()
  // A bad name is refused in the form, before the server.
  await adm.page.click('[data-testid=role-create]')
  await adm.page.fill('#role-name', 'Bad Name')
  await adm.page.fill('#role-title', 'Auditor')
  await adm.page.click('[data-testid=role-save]')
  await adm.page.locator('#role-form .form-error').waitFor()
  await adm.page.fill('#role-name', name)
  await adm.page.check('input[data-permission="audit.read"]')
  await shot(adm.page, 'admin-role-editor-light')
  await adm.page.click('[data-testid=role-save]')
  const row = adm.page.locator(`[data-testid=role-row][data-name=${name}]`)
  await row.locator('.chip', { hasText: 'Read and export the audit log' }).waitFor()

  await adm.page.fill('[data-testid=grant-user-search]', maria.username)
  await adm.page.click(`[data-testid=grant-user][data-username=${maria.username}]`)
  await adm.page.locator(`[data-testid=grants][data-username=${maria.username}]`).waitFor()
  await adm.page.locator('[data-testid=grants] p', { hasText: 'No roles' }).waitFor()
  assert((await mariaApi.req('GET', '/users/me/permissions')).grants.length === 0, 'no grants before')
  await adm.page.selectOption('[data-testid=grant-role]', { label: 'Auditor' })
  await adm.page.click('[data-testid=grant-submit]')
  await adm.page.locator(`[data-testid=grant-row][data-role=${name}]`).waitFor()
  await shot(adm.page, 'admin-roles-light')

  assert((await auditStatus(mariaApi)) === 200, 'the granted role opens the audit log')
  const mine = await mariaApi.req('GET', '/users/me/permissions')
  assert(JSON.stringify(mine.permissions) === '["audit.read"]', 'her permissions: ' + JSON.stringify(mine))

  await adm.page.click(`[data-testid=grant-row][data-role=${name}] [data-testid=grant-revoke]`)
  await adm.page.locator(`[data-testid=grant-row][data-role=${name}]`).waitFor({ state: 'detached' })
  assert((await auditStatus(mariaApi)) === 403, 'revoking closes it again')

  await row.locator('[data-testid=role-archive]').click()
  await row.waitFor({ state: 'detached' })
  await adm.page.check('[data-testid=roles-archived]')
  await adm.page.locator(`[data-testid=role-row][data-name=${name}]`, { hasText: 'Archived' }).waitFor()

  // The same section in Russian, dark.
  const ru = await newUserPage({ username: 'admin', password: env.admin.password }, { locale: 'ru-RU', theme: 'dark' })
  await ru.page.evaluate(() => localStorage.setItem('veche.theme', 'dark'))
  await ru.page.goto(env.base + '/admin?tab=roles')
  await ru.page.locator('[data-testid=role-row][data-name=admin]', { hasText: 'Все права' }).waitFor()
  await shot(ru.page, 'admin-roles-dark-ru')
})

test('a planner holding only calendar.manage gets the console with the calendar tab alone', async () => {
  const petr = await mkUser('petr', 'Пётр Орлов')
  const petrPage = await newUserPage(petr, { locale: 'en-US' })
  // Before: no console in the rail, and /admin sends him back to the chats.
  await petrPage.page.locator('.rail-item[href="/chats"]').waitFor()
  assert((await petrPage.page.locator('.rail-item[href="/admin"]').count()) === 0, 'no console for a plain user')

  const role = await env.admin.req('POST', '/admin/roles', { name: uniqueName('planner'), title: 'Planner', permissions: ['calendar.manage'] })
  await env.admin.req('POST', `/admin/users/${petr.id}/roles`, { role_id: role.id })
  await petrPage.page.reload()
  await petrPage.page.locator('.rail-item[href="/admin"]').click()
  await petrPage.page.locator('[data-testid=calendar-section]').waitFor()
  const tabs = await petrPage.page.locator('nav.tabs button').evaluateAll((bs) => bs.map((b) => b.dataset.tab))
  assert(JSON.stringify(tabs) === '["calendar"]', 'only the calendar tab: ' + JSON.stringify(tabs))
  await shot(petrPage.page, 'admin-planner-calendar-only')
})
