// Dev helper: screenshots of a running server (default :18080) for design review.
// node e2e/shots.mjs [baseUrl] — expects users alice/bob with password "password1".
import { mkdirSync } from 'node:fs'
import { launchChromium } from './lib.mjs'

const base = process.argv[2] || 'http://127.0.0.1:18080'
const out = new URL('./artifacts/', import.meta.url).pathname
mkdirSync(out, { recursive: true })
const browser = await launchChromium()
for (const theme of ['light', 'dark']) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'ru-RU', colorScheme: theme })
  const page = await ctx.newPage()
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && console.log('console.' + m.type(), m.text()))
  page.on('pageerror', (e) => console.log('pageerror', e.message))
  await page.goto(base + '/')
  await page.waitForSelector('#login-username')
  await page.screenshot({ path: out + `dev-login-${theme}.png` })
  await page.fill('#login-username', 'alice')
  await page.fill('#login-password', 'password1')
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-testid=chat-item]')
  await page.click('[data-testid=chat-item]')
  await page.waitForSelector('[data-testid=message]')
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
  await page.screenshot({ path: out + `dev-chat-${theme}.png` })
  await ctx.close()
}
await browser.close()
