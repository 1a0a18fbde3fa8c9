// The expert network (EXP): an application walked to the expert role as people would. An employee
// finds the section, fills in the questionnaire (a competence as a tag) and submits it; a curator of
// the community (made one through the API, as the moderators would) finds it in the review queue,
// takes it into review and asks a question; the applicant sees the question and answers it; the
// curator schedules an interview and approves; the applicant now sees themself as an expert of the
// community and in their profile. Screenshots of the section's main pages in the light theme.
import { assert, env, mkUser, newUserPage, settled, shot, test, uniqueName } from '../harness.mjs'

const pad = (n) => String(n).padStart(2, '0')
function localInput(ms) {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

test('an expert application: questionnaire, a curator’s question and the answer, the interview, approval', async () => {
  const slug = uniqueName('repair')
  const community = await env.admin.req('POST', '/experts/communities', { slug, title: 'Ремонт оборудования ' + slug, description: 'Ремонт насосов, флотомашин и мельниц: опыт площадок.' })
  await env.admin.req('POST', '/experts/communities', { slug: uniqueName('safety'), title: 'Промышленная безопасность', description: 'Охрана труда и промышленная безопасность.' })
  const applicant = await mkUser('ivanov', 'Иван Иванов')
  const curator = await mkUser('curator', 'Clara Curator')
  await env.admin.req('PUT', `/experts/communities/${community.id}/roles/${curator.id}`, { role: 'curator' })

  // The applicant opens the section from the rail and starts the questionnaire.
  const A = await newUserPage(applicant, { locale: 'ru-RU' })
  await A.page.locator('a[href="/experts"]').click()
  await A.page.locator('[data-testid=communities-view] [data-testid=community-row]').first().waitFor()
  assert(await A.page.locator('[data-testid=experts-ask]', { hasText: 'Задать вопрос эксперту' }).isVisible(), 'the ask button is in view')
  assert((await A.page.locator('.tabs button[data-tab=applications]').count()) === 0, 'no review queue for an employee')
  await A.page.locator(`[data-testid=community-row][data-id="${community.id}"] [data-testid=community-subscribe]`).click()
  await A.page.locator(`[data-testid=community-row][data-id="${community.id}"] [data-testid=community-unsubscribe]`).waitFor()
  await settled(A.page)
  await shot(A.page, 'experts-communities-light')

  await A.page.locator('[data-testid=experts-apply-link]').click()
  await A.page.locator('[data-testid=application-form]').waitFor()
  // Submitting an empty questionnaire names what is missing and sends nothing.
  await A.page.click('[data-testid=application-submit]')
  await A.page.locator('[data-testid=application-form-error]', { hasText: 'ФИО' }).waitFor()
  await A.page.fill('[data-testid=af-full_name]', 'Иванов Иван Иванович')
  await A.page.fill('[data-testid=af-position]', 'Главный механик')
  await A.page.fill('[data-testid=af-site]', 'Норильск, обогатительная фабрика')
  await A.page.fill('[data-testid=af-experience_years]', '12')
  await A.page.fill('[data-testid=af-experience]', 'Руководил капитальным ремонтом флотомашин.')
  await A.page.fill('[data-testid=af-competences-input]', 'Ремонт насосов')
  await A.page.keyboard.press('Enter')
  await A.page.fill('[data-testid=af-competences-input]', 'вибродиагностика,')
  await A.page.locator('[data-testid=af-competences] [data-testid=tag]', { hasText: 'ремонт насосов' }).waitFor()
  await A.page.locator('[data-testid=af-competences] [data-testid=tag]', { hasText: 'вибродиагностика' }).waitFor()
  await A.page.fill('[data-testid=af-skills]', 'Вибродиагностика, SAP PM.')
  await A.page.locator(`[data-testid=af-community][data-id="${community.id}"]`).check()
  await settled(A.page)
  await shot(A.page, 'experts-application-form-light')
  await A.page.click('[data-testid=application-submit]')
  await A.page.locator('[data-testid=application-detail][data-state=submitted]').waitFor()
  await A.page.locator('[data-testid=application-state]', { hasText: 'Отправлена' }).waitFor()
  await A.page.locator('[data-testid=experts-apply-link]', { hasText: 'Моя анкета' }).waitFor() // a reservist now

  // The curator finds it in the review queue and takes it into review.
  const C = await newUserPage(curator)
  await C.page.goto(env.base + '/experts')
  await C.page.locator('.tabs button[data-tab=applications]').click()
  const row = C.page.locator(`[data-testid=queue-row][data-username="${applicant.username}"]`)
  await row.waitFor()
  assert((await row.textContent()).includes('Submitted'), 'the queue shows the state')
  await C.page.selectOption('[data-testid=queue-community]', community.id)
  await row.waitFor()
  await settled(C.page)
  await shot(C.page, 'experts-review-queue-light')
  await row.click()
  await C.page.locator('[data-testid=application-applicant]', { hasText: 'Иванов Иван Иванович' }).waitFor()
  await C.page.click('[data-testid=application-take]')
  await C.page.locator('[data-testid=application-detail][data-state=in_review]').waitFor()
  const question = 'Какие насосы вы ремонтировали: марки и мощность?'
  await C.page.fill('[data-testid=application-question-text]', question)
  await C.page.click('[data-testid=application-question-send]')
  await C.page.locator('[data-testid=application-detail][data-state=clarification_requested]').waitFor()

  // The applicant sees the question (live) and answers it.
  await A.page.locator('[data-testid=application-answer-box]', { hasText: question }).waitFor()
  await A.page.fill('[data-testid=application-answer-text]', 'Грунтовые насосы Warman 8/6, до 250 кВт.')
  await settled(A.page)
  await shot(A.page, 'experts-application-question-light')
  await A.page.click('[data-testid=application-answer-send]')
  await A.page.locator('[data-testid=application-detail][data-state=in_review]').waitFor()
  await A.page.locator('[data-testid=application-history] [data-type=answer]', { hasText: 'Warman' }).waitFor()

  // The curator sees the answer, schedules the interview (a past time is refused) and approves.
  await C.page.locator('[data-testid=application-history] [data-type=answer]', { hasText: 'Warman' }).waitFor()
  await C.page.fill('[data-testid=application-interview-at]', localInput(Date.now() - 3600_000))
  await C.page.fill('[data-testid=application-interview-link]', 'https://meet.example.com/ivanov')
  await C.page.click('[data-testid=application-interview-send]')
  await C.page.locator('[data-testid=application-problem]', { hasText: 'future' }).waitFor()
  await C.page.fill('[data-testid=application-interview-at]', localInput(Date.now() + 2 * 86400_000))
  await C.page.click('[data-testid=application-interview-send]')
  await C.page.locator('[data-testid=application-detail][data-state=interview_scheduled]').waitFor()
  await A.page.locator('[data-testid=application-interview] a[href="https://meet.example.com/ivanov"]').waitFor()
  // Rejecting needs a reason; approving goes into the curated community.
  await C.page.click('[data-decision=reject]')
  await C.page.click('[data-testid=application-decide]')
  await C.page.locator('[data-testid=application-problem]', { hasText: 'reason' }).waitFor()
  await C.page.click('[data-decision=approve]')
  assert(await C.page.locator(`[data-testid=application-approve-into][data-id="${community.id}"]`).isChecked(), 'the curated community is chosen')
  await settled(C.page)
  await shot(C.page, 'experts-application-review-light')
  await C.page.click('[data-testid=application-decide]')
  await C.page.locator('[data-testid=application-detail][data-state=approved]').waitFor()

  // The applicant is an expert of the community now.
  await A.page.locator('[data-testid=application-detail][data-state=approved]').waitFor()
  await A.page.locator('[data-testid=application-decision]', { hasText: community.title }).waitFor()
  await settled(A.page)
  await shot(A.page, 'experts-application-approved-light')
  await A.page.goto(env.base + `/experts/communities/${community.id}`)
  await A.page.locator('[data-testid=my-community-role][data-role=expert]').waitFor()
  await A.page.locator(`[data-testid=community-member][data-username="${applicant.username}"] [data-role=expert]`).waitFor()
  await settled(A.page)
  await shot(A.page, 'experts-community-light')
  await A.page.locator('[data-testid=experts-my-profile]').click()
  await A.page.locator('[data-testid=profile-expert-in]', { hasText: community.title }).waitFor()
  await A.page.fill('[data-testid=profile-competences-input]', 'флотация')
  await A.page.keyboard.press('Enter')
  await A.page.locator('[data-testid=profile-level][data-level=advanced]').check()
  await A.page.click('[data-testid=profile-save]')
  await A.page.locator('.toast', { hasText: 'Профиль сохранён' }).waitFor()
  const profile = await (await applicant.login()).req('GET', `/experts/profiles/${applicant.id}`)
  assert(profile.levels.includes('advanced') && profile.competences.some((c) => c.tag === 'флотация'), 'the profile is saved')
  assert(profile.expert_in.includes(community.id), 'the profile says expert in the community')
  await settled(A.page)
  await shot(A.page, 'experts-profile-light')
})

test('a moderator grants a role on a community page; the new request form checks its fields', async () => {
  const slug = uniqueName('mining')
  const community = await env.admin.req('POST', '/experts/communities', { slug, title: 'Горное дело ' + slug })
  const moderator = await mkUser('moder', 'Мария Модератор')
  const expert = await mkUser('petrov', 'Пётр Петров')
  await env.admin.req('PUT', `/experts/moderators/${moderator.id}`)
  const M = await newUserPage(moderator)
  await M.page.goto(env.base + `/experts/communities/${community.id}`)
  await M.page.locator('[data-testid=community-grant]').waitFor()
  await M.page.fill('[data-testid=community-grant] [data-testid=user-search]', expert.username)
  await M.page.locator(`[data-testid=community-grant] .picker-item[data-username="${expert.username}"]`).click()
  await M.page.click('[data-testid=community-grant] [data-role=expert]')
  await M.page.click('[data-testid=community-grant-submit]')
  await M.page.locator(`[data-testid=community-member][data-username="${expert.username}"] [data-role=expert]`).waitFor()
  const members = await env.admin.req('GET', `/experts/communities/${community.id}/members?kind=expert`)
  assert(members.members.some((m) => m.user_id === expert.id), 'the grant reached the server')

  // "Ask an expert": the form names what is missing before anything is sent.
  await M.page.click('[data-testid=experts-ask]')
  await M.page.locator('[data-testid=new-request]').waitFor()
  await M.page.click('[data-testid=request-send]')
  await M.page.locator('[data-testid=request-error]', { hasText: 'Title' }).waitFor()
  await M.page.fill('[data-testid=request-title]', 'Вибрация насоса после ремонта')
  await M.page.fill('[data-testid=request-question]', 'После замены подшипников вибрация 7 мм/с.')
  await M.page.fill('[data-testid=request-expected]', 'Причины и порядок проверки.')
  await M.page.selectOption('[data-testid=request-community]', community.id)
  await settled(M.page)
  await shot(M.page, 'experts-new-request-light')
})
