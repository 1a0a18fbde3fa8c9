// A long history: 10,000 messages (E2E_BIG) posted while two pages are open, then a fresh page opens
// the chat at its newest message, renders only a window of rows and reaches every message by scrolling.
import { assert, channelFixture, chatItem, messageByText, metrics, N_BIG, newUserPage, openChat, test } from '../harness.mjs'

test('10,000-message chat: windowed rendering and smooth scrolling', async () => {
  // Alice and Bob have `general` open while the history is posted: their pages receive every event.
  const { A, B, bob, aliceApi, bobApi, general } = await channelFixture()
  await openChat(A.page, general.id)
  await openChat(B.page, general.id)
  const big = await aliceApi.req('POST', '/chats', { type: 'channel', name: 'big-history', visibility: 'public', member_ids: [bob.id] })
  const N = N_BIG
  const t0 = Date.now()
  let next = 0
  const worker = async () => {
    for (;;) {
      const i = next++
      if (i >= N) return
      const api = i % 3 === 0 ? bobApi : aliceApi
      const text = i % 17 === 0 ? `Message ${i}: a longer one\n- with a list\n- and \`code\`` : `Message ${i}`
      await api.req('POST', `/chats/${big.id}/messages`, { text })
    }
  }
  await Promise.all(Array.from({ length: 12 }, worker))
  metrics.seed10kMs = Date.now() - t0
  const phase = (name) => console.log(`      ${name}: ${Date.now() - t0} ms`)
  phase('seeded')
  // The two pages that were open during the burst must have kept up with it.
  const last = (await aliceApi.req('GET', `/chats/${big.id}`)).last_message.text.split('\n')[0]
  for (const pg of [A.page, B.page]) {
    await chatItem(pg, big.id).locator('.ci-preview', { hasText: last }).waitFor({ timeout: 120_000 })
  }
  metrics.burstLagMs = Date.now() - t0 - metrics.seed10kMs
  phase('live pages caught up')
  // A fresh page for Bob, as after a reload (his other page received all 10k events live).
  const bobPage = await newUserPage(bob, { locale: 'en-US' })
  const page = bobPage.page
  await chatItem(page, big.id).waitFor()
  await openChat(page, big.id)
  await messageByText(page, `Message ${N - 1}`).waitFor()
  // The list settles at the bottom once the rows below have been measured.
  const gapToBottom = () => {
    const sc = document.querySelector('.vl-scroller')
    return sc.scrollHeight - sc.scrollTop - sc.clientHeight
  }
  const opened = await page.waitForFunction(`(${gapToBottom})() < 40`).then(() => true, () => false)
  assert(opened, `a chat opens at its newest message (${await page.evaluate(gapToBottom)}px from the bottom)`)
  phase('opened')
  // Scroll to the top until the whole history is loaded, measuring frames meanwhile.
  const res = await page.evaluate(async (total) => {
    const sc = document.querySelector('.vl-scroller')
    const frames = []
    let last = performance.now()
    let running = true
    const tick = (t) => {
      frames.push(t - last)
      last = t
      if (running) requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
    const t0 = performance.now()
    let maxRows = 0
    while (performance.now() - t0 < 120_000) {
      sc.scrollTop = 0
      await new Promise((r) => setTimeout(r, 30))
      maxRows = Math.max(maxRows, document.querySelectorAll('[data-testid=message]').length)
      if (document.querySelector('.beginning')) break
    }
    const loadMs = performance.now() - t0
    const reachedStart = !!document.querySelector('.beginning')
    // A steady scroll down from the top (about a mouse wheel's pace), then fast jumps across all of it.
    frames.length = 0
    for (let i = 0; i < 300; i++) {
      sc.scrollTop += 60
      await new Promise((r) => requestAnimationFrame(r))
      maxRows = Math.max(maxRows, document.querySelectorAll('[data-testid=message]').length)
    }
    const steady = [...frames].sort((a, b) => a - b)
    frames.length = 0
    const steps = 200
    const h = sc.scrollHeight
    for (let i = 0; i <= steps; i++) {
      sc.scrollTop = (h * i) / steps
      await new Promise((r) => requestAnimationFrame(r))
      maxRows = Math.max(maxRows, document.querySelectorAll('[data-testid=message]').length)
    }
    running = false
    const jumps = [...frames].sort((a, b) => a - b)
    const q = (arr, f) => Math.round(arr[Math.min(arr.length - 1, Math.floor(arr.length * f))])
    return {
      loadMs: Math.round(loadMs),
      reachedStart,
      maxRows,
      p50: q(steady, 0.5),
      p95: q(steady, 0.95),
      max: q(steady, 1),
      jumpP50: q(jumps, 0.5),
      jumpP95: q(jumps, 0.95),
    }
  }, N)
  metrics.bigList = res
  phase('scrolled')
  const loaded = await page.evaluate(() => document.querySelector('.vl-inner').getBoundingClientRect().height)
  metrics.bigList.scrollHeightPx = Math.round(loaded)
  assert(res.maxRows < 300, `only a window of rows is in the DOM (max ${res.maxRows})`)
  assert(res.reachedStart, 'scrolled back to the beginning of the history')
  // Frame times are logged with the metrics below, not asserted: they measure the machine's load as
  // much as the client (bench/ is where performance is judged).
  // Walk the whole list a screen at a time: every message must be there, none twice.
  const walk = await page.evaluate(async () => {
    const sc = document.querySelector('.vl-scroller')
    sc.scrollTop = 0
    for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r))
    const seen = new Set()
    let dupInDom = 0
    for (let guard = 0; guard < 5000; guard++) {
      const ids = Array.from(document.querySelectorAll('[data-testid=message]')).map((e) => e.dataset.messageId)
      dupInDom += ids.length - new Set(ids).size
      for (const el of document.querySelectorAll('[data-testid=message-text]')) {
        const m = /^Message (\d+)/.exec(el.textContent.trim())
        if (m) seen.add(Number(m[1]))
      }
      if (sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 2) break
      sc.scrollTop += sc.clientHeight * 0.9
      await new Promise((r) => requestAnimationFrame(r))
    }
    return { seen: seen.size, dupInDom }
  })
  metrics.bigList.walked = walk.seen
  phase('walked')
  assert(walk.dupInDom === 0, `no message rendered twice (${walk.dupInDom})`)
  assert(walk.seen === N, `every message reachable by scrolling (${walk.seen} of ${N})`)
  await page.evaluate(() => {
    const sc = document.querySelector('.vl-scroller')
    sc.scrollTop = sc.scrollHeight
  })
  await bobPage.ctx.close()
})
