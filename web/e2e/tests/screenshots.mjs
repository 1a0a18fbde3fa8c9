// Screenshots of the main screens (chat list, chat, emoji picker, thread, pins, files, search, poll,
// notifications, send later and the scheduled list, profile, a module placeholder, login; desktop in both themes and a phone) for design
// review, in e2e/artifacts/. The conversation they show is made here through the API: the one the
// other tests have in their chats (a standup note, an edited and a deleted message, a thread, files,
// a pin, a search hit, a poll, a mention), so the pictures stay comparable from run to run.
import {
  channelFixture,
  chatItem,
  drawPng,
  env,
  messageByText,
  newContext,
  newUserPage,
  openChat,
  openPage,
  reportBytes,
  settled,
  shot,
  T,
  test,
  uploadFile,
  waitFor,
} from '../harness.mjs'

/** Alice's and Bob's `general` with a whole conversation in it; Alice's signed-in storage state. */
async function conversation() {
  const { alice, aliceApi, bobApi, general } = await channelFixture({ pages: false })
  const A = await newUserPage(alice, { locale: 'ru-RU' })
  const post = (api, text, extra = {}) => api.req('POST', `/chats/${general.id}/messages`, { text, ...extra })
  const hello = await post(aliceApi, 'Привет, Bob!')
  await aliceApi.req('PATCH', `/messages/${hello.id}`, { text: 'Привет, Bob! (исправлено)' })
  for (const api of [bobApi, aliceApi]) await api.req('PUT', `/messages/${hello.id}/reactions/${encodeURIComponent('👍')}`)
  const gone = await post(bobApi, 'Bob will delete this')
  await bobApi.req('DELETE', `/messages/${gone.id}`)
  await post(aliceApi, 'Unread for Bob #1')
  await post(aliceApi, 'Unread for Bob #2')
  await post(aliceApi, 'Before restart from Alice')
  await post(bobApi, 'Before restart from Bob')
  await post(aliceApi, 'Written while the server was down')
  await post(bobApi, 'Posted by API right after restart')
  await post(bobApi, 'After restart from Bob')
  await aliceApi.req('POST', '/chats', { type: 'channel', name: 'закупки', visibility: 'public' })
  const root = await post(aliceApi, 'Thread root: обсудим бюджет')
  await post(aliceApi, 'Ответ в обсуждении про бюджет', { thread_root_id: root.id })
  await post(bobApi, 'Bob agrees in the thread', { thread_root_id: root.id })
  const report = await uploadFile(aliceApi, general.id, 'Отчёт за квартал.bin', reportBytes())
  const scheme = await uploadFile(aliceApi, general.id, 'схема.png', await drawPng(A.page))
  const files = await post(aliceApi, 'Файлы к совещанию', { file_ids: [report.id, scheme.id] })
  await aliceApi.req('PUT', `/messages/${files.id}/pin`)
  await post(bobApi, 'Подписали договор с поставщиком бумаги')
  for (let i = 0; i < 20; i++) await post(aliceApi, `Заполнение ленты ${i}`)
  const poll = await aliceApi.req('POST', `/chats/${general.id}/polls`, { question: 'Когда созвон?', options: ['В 11:00', 'В 15:00'] })
  await bobApi.req('PUT', `/messages/${poll.id}/poll/vote`, { options: [1] })
  await post(bobApi, `@${alice.username} посмотри, пожалуйста, договор`)
  // Alice's scheduled messages: two waiting, one that failed (she left the chat before it went).
  const day = 86_400_000
  const schedule = (chatId, text, send_at) => aliceApi.req('POST', `/chats/${chatId}/scheduled-messages`, { text, send_at })
  await schedule(general.id, 'Напоминание: отчёт по закупкам до пятницы', Date.now() + 2 * 3_600_000)
  await schedule(general.id, 'Всем доброе утро! Созвон переносится на 15:00 — повестка в закреплённом сообщении.', Date.now() + 3 * day)
  const side = await bobApi.req('POST', '/chats', { type: 'group', name: 'Поставщики', member_ids: [alice.id] })
  const failed = await schedule(side.id, 'Пришлите, пожалуйста, обновлённый прайс', Date.now() + day)
  // Her page loads a chat it is told she joined; removed before that load, it would answer 404.
  await A.page.getByText('Поставщики').first().waitFor()
  await bobApi.req('DELETE', `/chats/${side.id}/members/${alice.id}`)
  await aliceApi.req('PATCH', `/scheduled-messages/${failed.id}`, { send_at: Date.now() + 1000 })
  await waitFor(async () => (await aliceApi.req('GET', `/scheduled-messages/${failed.id}`)).state === 'failed', 'the scheduled message to fail')
  const state = await A.ctx.storageState()
  await A.ctx.close()
  return { general, state }
}

test('screenshots of the main screens in both themes and on a phone', async () => {
  const { general, state } = await conversation()
  for (const theme of ['light', 'dark']) {
    const ctx = await newContext({ who: 'shots-' + theme, storageState: state, locale: 'ru-RU', colorScheme: theme, viewport: { width: 1440, height: 900 } })
    const page = await openPage(ctx, 'shots-' + theme)
    await page.addInitScript((t) => localStorage.setItem('veche.theme', t), theme)
    await page.goto(env.base + '/chats')
    await page.waitForSelector('[data-testid=chat-item]')
    await shot(page, `chat-list-${theme}`)
    await openChat(page, general.id)
    await messageByText(page, 'After restart from Bob').waitFor()
    await settled(page)
    await shot(page, `chat-${theme}`)
    const m = messageByText(page, 'After restart from Bob')
    await m.scrollIntoViewIfNeeded()
    await m.hover()
    await m.locator('button[aria-label="Добавить реакцию"]').click()
    await settled(page)
    await shot(page, `emoji-picker-${theme}`)
    await page.keyboard.press('Escape')
    await messageByText(page, 'Thread root').locator('[data-testid=thread-summary]').click()
    await page.locator('[data-testid=thread-panel] [data-testid=message-text]', { hasText: 'Bob agrees' }).waitFor()
    await settled(page)
    await shot(page, `thread-panel-${theme}`)
    await page.click('[data-testid=pins-toggle]')
    await page.locator('[data-testid=pin-item]').first().waitFor()
    await shot(page, `pins-panel-${theme}`)
    await page.click('[data-testid=files-toggle]')
    await page.locator('[data-testid=files-item]').first().waitFor()
    await settled(page)
    await shot(page, `files-panel-${theme}`)
    await page.click('[data-testid=search-toggle]')
    await page.locator('[data-testid=search-input]').fill('договор')
    await page.locator('[data-testid=search-result]').first().waitFor()
    await shot(page, `search-panel-${theme}`)
    await page.keyboard.press('Escape')
    // The jump scrolls smoothly, and rows measured during the scroll can leave it short of the end
    // (the list grows under it): press the button again while it is still there, until the list is
    // at its bottom.
    let pressedAt = 0
    await waitFor(async () => {
      const atBottom = await page.evaluate(() => {
        const sc = document.querySelector('.message-list .vl-scroller')
        return sc.scrollHeight - sc.scrollTop - sc.clientHeight < 40
      })
      if (atBottom) return true
      const jump = page.locator('.to-bottom')
      if (Date.now() - pressedAt > 1_000 && (await jump.count()) > 0) {
        pressedAt = Date.now()
        await jump.click({ timeout: 2_000 }).catch(() => undefined)
      }
      return false
    }, 'the message list scrolled to its bottom')
    await page.locator('.to-bottom').waitFor({ state: 'detached' })
    await settled(page)
    await shot(page, `files-poll-${theme}`)
    await page.fill('[data-testid=composer]', 'Коллеги, завтра в 10:00 разбираем итоги квартала')
    await page.click('[data-testid=send-later]')
    await page.locator('[data-testid=send-later-menu]').waitFor()
    await settled(page)
    await shot(page, `send-later-menu-${theme}`)
    await page.click('[data-preset=custom]')
    await page.locator('[data-testid=schedule-dialog]').waitFor()
    await settled(page)
    await shot(page, `schedule-dialog-${theme}`)
    await page.keyboard.press('Escape')
    await page.locator('[data-testid=schedule-dialog]').waitFor({ state: 'detached' })
    await page.fill('[data-testid=composer]', '')
    await page.click('[data-testid=scheduled-toggle]')
    await page.locator('[data-testid=scheduled-item][data-state=failed]').waitFor()
    await settled(page)
    await shot(page, `scheduled-${theme}`)
    await page.click('[data-testid=scheduled-toggle]')
    await page.click('[data-testid=bell]')
    await page.locator('[data-testid=notifications-panel]').waitFor()
    await settled(page)
    await shot(page, `notifications-${theme}`)
    await page.click('[data-testid=bell]')
    await page.locator('.rail-me').click()
    await page.locator('.who').waitFor()
    await settled(page)
    await shot(page, `profile-${theme}`)
    await page.keyboard.press('Escape')
    await page.goto(env.base + '/video')
    await page.waitForSelector('.placeholder')
    await shot(page, `placeholder-${theme}`)
    await ctx.close()

    const login = await newContext({ who: 'login-' + theme, locale: 'en-US', colorScheme: theme, viewport: { width: 1440, height: 900 } })
    const lp = await openPage(login, 'login-' + theme)
    await lp.goto(env.base + '/')
    await lp.waitForSelector('#login-username')
    await shot(lp, `login-${theme}`)
    await login.close()

    const phone = await newContext({ who: 'phone-' + theme, storageState: state, locale: 'ru-RU', colorScheme: theme, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    const pp = await openPage(phone, 'phone-' + theme)
    await pp.addInitScript((t) => localStorage.setItem('veche.theme', t), theme)
    await pp.goto(env.base + '/chats')
    await pp.waitForSelector('[data-testid=chat-item]')
    await shot(pp, `phone-list-${theme}`)
    await chatItem(pp, general.id).click()
    await messageByText(pp, 'After restart from Bob').waitFor()
    await settled(pp)
    await shot(pp, `phone-chat-${theme}`)
    await phone.close()
  }
})
