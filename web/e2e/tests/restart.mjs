// The server is killed and restarted mid-conversation. The run's one server comes back on the same
// port and data dir, so the tests after this one find it up (their own set-up signs them in anew).
import { Api } from '../lib.mjs'
import { assert, channelFixture, countText, env, messageByText, openChat, send, setServerDown, shot, test, waitFor } from '../harness.mjs'

test('server restart mid-conversation: reconnect, resume, every message exactly once', async () => {
  const { A, B, bob, aliceApi, bobApi, general, random } = await channelFixture()
  await openChat(A.page, general.id)
  await openChat(B.page, general.id)
  await messageByText(A.page, 'Standup').waitFor()
  // The conversation so far: a message sent from the page and then edited, two sent while Bob looks
  // at another chat (all received live).
  await send(A.page, 'Привет, Bob!')
  await messageByText(B.page, 'Привет, Bob!').waitFor()
  await waitFor(async () => (await A.page.locator('.msg.pending').count()) === 0, 'the first message to be confirmed')
  const hello = (await aliceApi.req('GET', `/chats/${general.id}/messages?limit=50`)).messages.find((m) => m.text === 'Привет, Bob!')
  await aliceApi.req('PATCH', `/messages/${hello.id}`, { text: 'Привет, Bob! (исправлено)' })
  await messageByText(B.page, '(исправлено)').waitFor()
  await openChat(B.page, random.id)
  await send(A.page, 'Unread for Bob #1')
  await send(A.page, 'Unread for Bob #2')
  await waitFor(async () => (await A.page.locator('.msg.pending').count()) === 0, 'the unread messages to be confirmed')
  await openChat(B.page, general.id)
  await messageByText(B.page, 'Unread for Bob #2').waitFor()

  const before = ['Before restart from Alice', 'Before restart from Bob']
  await send(A.page, before[0])
  await messageByText(B.page, before[0]).waitFor()
  await send(B.page, before[1])
  await messageByText(A.page, before[1]).waitFor()

  setServerDown(true)
  await env.server.stop('SIGKILL')
  await A.page.locator('[data-testid=offline-banner]').waitFor()
  await B.page.locator('[data-testid=offline-banner]').waitFor()
  // Alice types while the server is down: the message waits as "not sent".
  const offline = 'Written while the server was down'
  await send(A.page, offline)
  await A.page.locator('.msg.failed').waitFor()
  await shot(A.page, 'offline-banner-light')

  await env.server.start()
  setServerDown(false)
  // Someone posts right after the restart, possibly before the clients are back.
  const fresh = await Api.login(env.base, bob.username, bob.password)
  const viaApi = 'Posted by API right after restart'
  await fresh.req('POST', `/chats/${general.id}/messages`, { text: viaApi, client_id: 'api-1' })

  await A.page.locator('[data-testid=offline-banner]').waitFor({ state: 'detached' })
  await B.page.locator('[data-testid=offline-banner]').waitFor({ state: 'detached' })
  await messageByText(A.page, viaApi).waitFor()
  await messageByText(B.page, viaApi).waitFor()
  await messageByText(B.page, offline).waitFor()
  await waitFor(async () => (await A.page.locator('.msg.pending').count()) === 0, 'the offline message to be re-sent')

  const after = 'After restart from Bob'
  await send(B.page, after)
  await messageByText(A.page, after).waitFor()

  const all = [...before, offline, viaApi, after, 'Привет, Bob! (исправлено)', 'Unread for Bob #1', 'Unread for Bob #2', 'Standup']
  for (const page of [A.page, B.page]) {
    for (const text of all) {
      const n = await countText(page, text)
      assert(n === 1, `"${text}" shown ${n} times`)
    }
  }
  // The server has each exactly once too.
  const { messages } = await bobApi.req('GET', `/chats/${general.id}/messages?limit=200`)
  for (const text of all) assert(messages.filter((m) => m.text.includes(text)).length === 1, `server has "${text}" once`)
})
