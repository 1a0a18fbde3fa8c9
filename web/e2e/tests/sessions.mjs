// Sessions: the list of one's signed-in devices, and revoking another one, which is signed out live.
import { assert, env, expectUnauthorized, mkUser, newContext, newUserPage, openPage, settled, shot, test, waitFor } from '../harness.mjs'

test('sessions: list two devices, revoke the other one, it is signed out', async () => {
  // Carol is made by the admin and has never signed in: her only sessions are the two browsers below.
  const carol = await mkUser('carol', 'Carol Danvers')
  const one = await newUserPage(carol, { locale: 'ru-RU' })
  // The second browser records the close codes of its WebSockets.
  const twoCtx = await newContext({ who: 'carol-2', locale: 'en-US', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1' })
  await twoCtx.addInitScript(() => {
    window.__wsCloses = []
    const Native = window.WebSocket
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args)
        this.addEventListener('close', (e) => window.__wsCloses.push(e.code))
      }
    }
  })
  const two = await openPage(twoCtx, 'carol-2')
  await two.goto(env.base + '/')
  await two.fill('#login-username', carol.username)
  await two.fill('#login-password', carol.password)
  await two.click('button[type=submit]')
  await two.locator('[data-testid=chat-item], .sidebar .state').first().waitFor()
  await two.locator('[data-testid=offline-banner]').waitFor({ state: 'detached' })

  // From the profile dialog to the sessions screen.
  await one.page.locator('.rail-me').click()
  await one.page.click('[data-testid=open-sessions]')
  const rows = one.page.locator('[data-testid=session]')
  await waitFor(async () => (await rows.count()) === 2, 'two sessions listed')
  const current = one.page.locator('[data-testid=session][data-current=true]')
  assert((await current.locator('[data-testid=this-device]').textContent()).includes('Это устройство'), 'this device is marked')
  assert((await current.locator('[data-testid=revoke-session]').count()) === 0, 'the current session has no revoke button')
  const other = one.page.locator('[data-testid=session][data-current=false]')
  const otherText = await other.textContent()
  assert(otherText.includes('Safari 18 · iOS 18.1'), 'the other device is named readably: ' + otherText)
  assert(otherText.includes('127.0.0.1'), 'the address is shown: ' + otherText)
  await settled(one.page)
  await shot(one.page, 'sessions-light')
  await one.page.evaluate(() => localStorage.setItem('veche.theme', 'dark'))
  await one.page.reload()
  await waitFor(async () => (await rows.count()) === 2, 'two sessions listed after reload')
  await settled(one.page)
  await shot(one.page, 'sessions-dark')
  await one.page.evaluate(() => localStorage.setItem('veche.theme', 'light'))

  expectUnauthorized(two)
  one.page.once('dialog', (d) => d.accept())
  await other.locator('[data-testid=revoke-session]').click()
  await waitFor(async () => (await rows.count()) === 1, 'the revoked session to leave the list')
  await one.page.locator('[data-testid=no-others]').waitFor()
  // The other browser: its socket is closed with 4001 and it lands on the login screen.
  await two.locator('#login-username').waitFor()
  await waitFor(async () => (await two.evaluate(() => window.__wsCloses)).includes(4001), 'close code 4001 on the revoked socket')
  const after = await two.evaluate(async () => (await fetch('/api/v1/users/me', { credentials: 'same-origin' })).status)
  assert(after === 401, 'the revoked cookie gets 401, got ' + after)
  // The first browser is still signed in.
  const mine = await one.page.evaluate(async () => (await fetch('/api/v1/auth/sessions')).status)
  assert(mine === 200, 'the remaining session still works')
  await twoCtx.close()
  await one.ctx.close()
})
