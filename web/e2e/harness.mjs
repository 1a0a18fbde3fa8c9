// The browser suite's runner and the helpers the feature files (e2e/tests/*.mjs) share.
//
// One `veche serve` (fresh temp data dir, free port) and one Chromium serve the whole run, but no test
// relies on another's data: each one makes its own users through the admin API, its own chats, its
// own browser contexts. The contexts a test opens are closed after it, pass or fail, so any test
// passes alone (E2E_ONLY) or in any order.
import { execSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Api, adminApi, freePort, launchChromium, removeDir, sleep, tempDir, VecheServer } from './lib.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const webDir = path.resolve(here, '..')
const dist = path.join(webDir, 'dist')
export const artifacts = path.join(here, 'artifacts')

// Every wait is on a state (a selector, a condition), never a fixed time; this is how long a state may
// take to arrive on a loaded two-core machine before the test fails.
export const T = Number(process.env.E2E_TIMEOUT_MS ?? 30_000)
export const N_BIG = Number(process.env.E2E_BIG ?? 10_000)
/** Measured, printed at the end, never asserted (bench/ judges performance). */
export const metrics = {}
/** What the tests share: the server (its `base` URL), the browser, the admin's API client. */
export const env = { server: null, base: '', browser: null, admin: null }

// ---------- registry and runner ----------
const registered = []
let loadingFeature = ''
/** Register a test of the feature file being loaded. */
export function test(name, fn) {
  registered.push({ feature: loadingFeature, name, fn })
}
export function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg)
}

// ---------- console watch ----------
const consoleProblems = []
let currentTest = ''
/** Errors the browser logs by itself while the server is deliberately down. */
let serverDown = false
export function setServerDown(v) {
  serverDown = v
}
/** Pages whose session a test revokes on purpose: their 401s are expected. */
const revokedPages = new WeakSet()
export function expectUnauthorized(page) {
  revokedPages.add(page)
}
/** Pages a test makes fetch a refusal on purpose (a 413): the browser logs "status of 413" for them. */
const expectedStatuses = new WeakMap()
export function expectStatus(page, status) {
  if (!expectedStatuses.has(page)) expectedStatuses.set(page, new Set())
  expectedStatuses.get(page).add(String(status))
}
const watched = new WeakSet()
function watchConsole(page, who) {
  if (watched.has(page)) return
  watched.add(page)
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return
    const text = m.text()
    if (revokedPages.has(page) && /\b401\b/.test(text)) return
    const status = /status of (\d{3})/.exec(text)?.[1]
    if (status && expectedStatuses.get(page)?.has(status)) return
    const expectedWhileDown =
      serverDown || /ERR_CONNECTION_REFUSED|WebSocket connection to .* failed|net::ERR_|502|503|504/.test(text)
    if (expectedWhileDown && (serverDown || /WebSocket|ERR_CONNECTION/.test(text))) return
    // "Failed to load resource" names no URL in its text: the location does.
    const where = m.location()?.url ? ` (${m.location().url})` : ''
    consoleProblems.push(`[${currentTest}] ${who} console.${m.type()}: ${text}${where}`)
  })
  page.on('pageerror', (e) => consoleProblems.push(`[${currentTest}] ${who} pageerror: ${e.message}`))
}

// ---------- browser contexts and pages ----------
let testContexts = []
/**
 * A browser context whose actions and waits default to the generous timeout T; every page opened in
 * it reports its console errors. It is closed when the test ends.
 */
export async function newContext({ who = 'page', ...opts } = {}) {
  const ctx = await env.browser.newContext(opts)
  ctx.setDefaultTimeout(T)
  ctx.setDefaultNavigationTimeout(T)
  ctx.on('page', (p) => watchConsole(p, who))
  testContexts.push(ctx)
  return ctx
}
export async function openPage(ctx, who = 'page') {
  const page = await ctx.newPage()
  watchConsole(page, who)
  return page
}

/** A fresh context signed in as `user` ({username, password}) on the messenger. */
export async function newUserPage(user, { locale = 'en-US', theme = 'light', viewport, who } = {}) {
  const name = who ?? user.username
  const ctx = await newContext({ who: name, locale, colorScheme: theme, viewport: viewport ?? { width: 1360, height: 860 } })
  const page = await openPage(ctx, name)
  await page.goto(env.base + '/')
  await page.waitForSelector('#login-username')
  await page.fill('#login-username', user.username)
  await page.fill('#login-password', user.password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-testid=chat-item], .sidebar .state')
  return { ctx, page }
}

// ---------- data set-up through the API ----------
let nameSeq = 0
/** A name no other test of this run uses: `dave` → `dave7`. */
export function uniqueName(name) {
  return `${name}${++nameSeq}`
}
/**
 * A new user made by the admin, with a name no other test uses (`alice` → `alice7`). `login()` opens
 * an API session for it (which the user's session list then shows).
 */
export async function mkUser(name, display_name, { password = 'password1' } = {}) {
  const username = uniqueName(name)
  const u = await env.admin.req('POST', '/users', { username, password, display_name })
  return { ...u, password, login: () => Api.login(env.base, username, password) }
}

/**
 * Two users and two public channels of theirs, `general` (with Bob's standup note) and `random`; with
 * `pages`, each user signed in in a browser of their own (Alice in Russian, Bob in English).
 */
export async function channelFixture({ pages = true } = {}) {
  const alice = await mkUser('alice', 'Алиса Петрова')
  const bob = await mkUser('bob', 'Bob Stone')
  const aliceApi = await alice.login()
  const bobApi = await bob.login()
  const general = await aliceApi.req('POST', '/chats', { type: 'channel', name: 'general', visibility: 'public', topic: 'Everything and nothing', member_ids: [bob.id] })
  const random = await aliceApi.req('POST', '/chats', { type: 'channel', name: 'random', visibility: 'public', member_ids: [bob.id] })
  await bobApi.req('POST', `/chats/${general.id}/messages`, { text: 'Good morning! **Standup** at 11:00.' })
  const f = { alice, bob, aliceApi, bobApi, general, random, A: null, B: null }
  if (pages) {
    f.A = await newUserPage(alice, { locale: 'ru-RU' })
    f.B = await newUserPage(bob, { locale: 'en-US' })
  }
  return f
}

/** Upload raw bytes to a chat as `api`'s user (POST /chats/{id}/files); the File object. */
export async function uploadFile(api, chatId, name, bytes) {
  const r = await fetch(`${env.base}/api/v1/chats/${chatId}/files?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/octet-stream' },
    body: bytes,
  })
  const text = await r.text()
  if (!r.ok) throw new Error(`upload ${name} → ${r.status} ${text}`)
  return JSON.parse(text)
}

/** A 480×300 PNG drawn on a canvas in the page (for the thumbnail path). */
export async function drawPng(page) {
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas')
    c.width = 480
    c.height = 300
    const g = c.getContext('2d')
    const grad = g.createLinearGradient(0, 0, 480, 300)
    grad.addColorStop(0, '#4f46e5')
    grad.addColorStop(1, '#06b6d4')
    g.fillStyle = grad
    g.fillRect(0, 0, 480, 300)
    g.fillStyle = '#fff'
    g.font = 'bold 40px sans-serif'
    g.fillText('Veche', 170, 165)
    return c.toDataURL('image/png').split(',')[1]
  })
  return Buffer.from(b64, 'base64')
}

/** 300 kB of a pattern that no compression or truncation would keep intact by accident. */
export function reportBytes() {
  const bytes = Buffer.alloc(300_000)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff
  return bytes
}

// ---------- page helpers ----------
export const chatItem = (page, chatId) => page.locator(`[data-testid=chat-item][data-chat-id="${chatId}"]`)
export const messageByText = (page, text) => page.locator('[data-testid=message]', { has: page.locator('[data-testid=message-text]', { hasText: text }) })
/** A message text in the chat's main list (not in the thread panel). */
export const mainText = (page, text) => page.locator('.message-list [data-testid=message-text]', { hasText: text })

export async function openChat(page, chatId) {
  await chatItem(page, chatId).click()
  await page.waitForSelector('[data-testid=composer]')
  await page.waitForSelector('.vl-scroller')
}
export async function send(page, text) {
  await page.fill('[data-testid=composer]', text)
  await page.keyboard.press('Enter')
}
export async function countText(page, text) {
  return page.locator('[data-testid=message-text]', { hasText: text }).count()
}
export async function waitFor(fn, what, timeout = T) {
  const t0 = Date.now()
  for (;;) {
    if (await fn()) return Date.now() - t0
    if (Date.now() - t0 > timeout) throw new Error('timed out waiting for ' + what)
    await sleep(25)
  }
}
/** Screenshots wait until CSS transitions and animations (dialogs, panels) have finished. */
export async function settled(page) {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'), null, { timeout: T })
}
export async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, name + '.png') })
}

// ---------- the run ----------
function newestMtime(dir) {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return t
}
function buildIfStale() {
  const distIndex = path.join(dist, 'index.html')
  const srcNewest = Math.max(newestMtime(path.join(webDir, 'src')), statSync(path.join(webDir, 'index.html')).mtimeMs)
  if (!existsSync(distIndex) || statSync(distIndex).mtimeMs < srcNewest) {
    console.log('e2e: building the web client (dist is missing or stale)…')
    execSync('npx vite build --logLevel warn && npx vite build -c vite.widget.config.ts --logLevel warn', { cwd: webDir, stdio: 'inherit' })
  }
}

/** The server must be up before each test (a test that stops it and fails midway leaves it down). */
async function ensureServer() {
  const p = env.server.proc
  if (p && p.exitCode === null && p.signalCode === null) return
  console.log('      (the server was down after the previous test: starting it again)')
  setServerDown(false)
  await env.server.start()
}

async function runOne(t, results) {
  currentTest = t.name
  testContexts = []
  const t0 = Date.now()
  try {
    await ensureServer()
    await t.fn()
    results.push({ name: t.name, ok: true, ms: Date.now() - t0 })
    console.log(`  ✓ ${t.name} (${Date.now() - t0} ms)`)
  } catch (e) {
    results.push({ name: t.name, ok: false, ms: Date.now() - t0, error: e })
    console.log(`  ✗ ${t.name}\n      ${String(e?.stack || e).split('\n').slice(0, 6).join('\n      ')}`)
    // What the pages showed when it failed.
    const slug = t.name.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60)
    let i = 0
    for (const ctx of testContexts)
      for (const page of ctx.pages()) await page.screenshot({ path: path.join(artifacts, `failed-${slug}-${i++}.png`), timeout: 10_000 }).catch(() => undefined)
  } finally {
    for (const ctx of testContexts) await ctx.close().catch(() => undefined)
    testContexts = []
    setServerDown(false)
  }
}

/**
 * Load the feature files (e2e/tests/<name>.mjs, in this order), run the tests E2E_ONLY selects — a
 * feature's name selects its whole file, anything else the tests whose names contain it — then the
 * console check, print the metrics and `e2e: N/M passed`, and exit non-zero on any failure or when
 * the filter selects nothing.
 */
export async function run(features) {
  const onDisk = readdirSync(path.join(here, 'tests')).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4))
  const unlisted = onDisk.filter((f) => !features.includes(f))
  if (unlisted.length) {
    console.error(`e2e: feature files not listed in run.mjs: ${unlisted.join(', ')}`)
    process.exit(1)
  }
  for (const f of features) {
    loadingFeature = f
    await import(`./tests/${f}.mjs`)
  }
  loadingFeature = ''
  const only = process.env.E2E_ONLY
  const selected = !only ? registered : features.includes(only) ? registered.filter((t) => t.feature === only) : registered.filter((t) => t.name.includes(only))
  if (selected.length === 0) {
    console.error(`e2e: E2E_ONLY=${JSON.stringify(only ?? '')} matches no test`)
    console.log('\ne2e: 0/0 passed')
    process.exit(1)
  }

  mkdirSync(artifacts, { recursive: true })
  buildIfStale()
  const dataDir = tempDir()
  const port = await freePort()
  env.server = new VecheServer({ port, dataDir, webDir: dist, log: !!process.env.E2E_SERVER_LOG })
  env.base = env.server.url
  const results = []
  let exitCode = 1
  try {
    console.log(`e2e: veche on ${env.base}, data ${dataDir}`)
    await env.server.start()
    env.admin = await adminApi(env.base)
    env.browser = await launchChromium()
    let feature = null
    for (const t of selected) {
      if (t.feature !== feature) {
        feature = t.feature
        console.log(`e2e/tests/${feature}.mjs`)
      }
      await runOne(t, results)
    }
    console.log('console')
    await runOne(
      {
        name: 'no console errors in any page',
        fn: async () => assert(consoleProblems.length === 0, 'console problems:\n' + consoleProblems.join('\n')),
      },
      results,
    )
    exitCode = results.every((r) => r.ok) ? 0 : 1
  } catch (e) {
    console.error('e2e: setup failed', e)
    exitCode = 1
  } finally {
    try {
      await env.browser?.close()
    } catch {
      /* ignore */
    }
    await env.server.stop()
    if (!process.env.E2E_KEEP) removeDir(dataDir)
  }

  const passed = results.filter((r) => r.ok).length
  console.log('\ne2e metrics:')
  console.log(`  cold load, login screen:            ${metrics.loginColdMs ?? '-'} ms`)
  console.log(`  cold load, chat list visible:       ${metrics.chatListColdMs?.join(' / ') ?? '-'} ms (3 fresh contexts)`)
  console.log(`  message delivery A→B:               ${metrics.deliveryMs ?? '-'} ms`)
  if (metrics.bigList)
    console.log(
      `  10k history: seeded ${N_BIG} messages through the API in ${metrics.seed10kMs} ms (both browsers online, receiving every event)\n` +
        `  10k burst: open pages caught up ${metrics.burstLagMs ?? '-'} ms after the last POST\n` +
        `  10k history: all pages loaded by scrolling up in ${metrics.bigList.loadMs} ms; steady scroll frames p50 ${metrics.bigList.p50} / p95 ${metrics.bigList.p95} / max ${metrics.bigList.max} ms; full-list jumps p50 ${metrics.bigList.jumpP50} / p95 ${metrics.bigList.jumpP95} ms; max message rows in DOM ${metrics.bigList.maxRows}`,
    )
  console.log(`\ne2e: ${passed}/${results.length} passed; screenshots in ${artifacts}`)
  process.exit(exitCode)
}
