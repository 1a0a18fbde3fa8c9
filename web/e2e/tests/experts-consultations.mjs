// The expert network's consultations (EXP-3..6, docs/api.md "Consultations"): a request walked as
// people would — the requester asks from «Задать вопрос эксперту», the curator finds it in the
// registry by a word of its title and assigns the suggested expert, the expert finds it among those
// assigned to them, accepts it, opens its chat in the messenger and answers, and the requester sees
// the answer live and rates it.
import { assert, env, mkUser, newUserPage, settled, shot, test, uniqueName } from '../harness.mjs'

test('a consultation: asked, found in the registry, assigned from the suggestions, accepted, answered, rated', async () => {
  const slug = uniqueName('pumps')
  const community = await env.admin.req('POST', '/experts/communities', { slug, title: 'Насосы ' + slug })
  const requester = await mkUser('tech', 'Тимур Технолог')
  const expert = await mkUser('expert', 'Эдуард Экспертов')
  const curator = await mkUser('cur', 'Кира Куратор')
  await env.admin.req('PUT', `/experts/communities/${community.id}/roles/${expert.id}`, { role: 'expert' })
  await env.admin.req('PUT', `/experts/communities/${community.id}/roles/${curator.id}`, { role: 'curator' })
  const word = uniqueName('флотомашина')

  // The requester asks from the button at the top right.
  const R = await newUserPage(requester, { locale: 'ru-RU' })
  await R.page.locator('a[href="/experts"]').click()
  await R.page.locator('[data-testid=experts-ask]').click()
  await R.page.fill('[data-testid=request-title]', `Вибрация насоса ${word}`)
  await R.page.fill('[data-testid=request-question]', 'После замены подшипников вибрация выросла до 7 мм/с.')
  await R.page.fill('[data-testid=request-expected]', 'Причины и порядок проверки.')
  await R.page.selectOption('[data-testid=request-community]', community.id)
  await R.page.click('[data-testid=new-request] [data-level=advanced]')
  await R.page.click('[data-testid=request-send]')
  await R.page.locator('[data-testid=consultation-state][data-state=new]').waitFor()
  const number = (await R.page.textContent('[data-testid=consultation-page] .c-number')).split(' ')[0]
  assert(/^EXP-\d+$/.test(number), 'the request has a number: ' + number)

  // The curator finds it in the registry by a word of its title and assigns the suggested expert.
  const C = await newUserPage(curator)
  await C.page.goto(env.base + '/experts/requests')
  await C.page.fill('[data-testid=registry-search]', word)
  const row = C.page.locator(`[data-testid=registry-row][data-number="${number}"]`)
  await row.waitFor()
  await C.page.selectOption('[data-testid=registry-state]', 'new')
  await row.waitFor()
  await settled(C.page)
  await shot(C.page, 'experts-registry-light')
  await row.click()
  const suggested = C.page.locator(`[data-testid=suggested-expert][data-username="${expert.username}"]`)
  await suggested.waitFor()
  await settled(C.page)
  await shot(C.page, 'experts-request-assign-light')
  await suggested.locator('[data-testid=assign-expert]').click()
  await C.page.locator('[data-testid=consultation-state][data-state=assigned]').waitFor()

  // The expert finds it among those assigned to them, accepts it, opens its chat and answers.
  const X = await newUserPage(expert)
  await X.page.goto(env.base + '/experts/requests')
  await X.page.selectOption('[data-testid=registry-expert]', 'me')
  await X.page.locator(`[data-testid=registry-row][data-number="${number}"]`).click()
  await X.page.click('[data-testid=consultation-accept]')
  await X.page.locator('[data-testid=consultation-state][data-state=in_progress]').waitFor()
  await X.page.click('[data-testid=consultation-chat]')
  await X.page.waitForURL(/\/chats\/\d+/)
  await X.page.locator('.composer textarea, [data-testid=composer] textarea').first().waitFor()
  await X.page.goBack()
  await X.page.locator('[data-testid=consultation-work] [data-work=resolve]').click()
  await X.page.fill('[data-testid=consultation-work-text]', 'Проверьте посадку подшипника на валу и мягкую лапу двигателя.')
  await X.page.click('[data-testid=consultation-work-send]')
  await X.page.locator('[data-testid=consultation-state][data-state=resolved]').waitFor()

  // The requester sees the answer (live) and rates it.
  await R.page.locator('[data-testid=consultation-state][data-state=resolved]').waitFor()
  await R.page.locator('[data-testid=consultation-answer]', { hasText: 'мягкую лапу' }).waitFor()
  await R.page.click('[data-testid=consultation-rating] [data-star="5"]')
  await R.page.click('[data-testid=consultation-rate]')
  await R.page.locator('[data-testid=consultation-history] [data-type=rated]').waitFor()
  const after = await env.admin.req('GET', `/experts/consultations/${(await R.page.url()).split('/').pop()}`)
  assert(after.rating?.rating === 5 && after.state === 'resolved', 'the rating reached the server')
  await settled(R.page)
  await shot(R.page, 'experts-request-resolved-light')
})
