// Working calendar (administrators): the seeded production calendar shows 1 January 2026 as a
// holiday; the admin marks a working day as a day off, and after a reload it is still one; the
// section reads in Russian too.
import { assert, env, newUserPage, shot, test } from '../harness.mjs'

async function showYear(page, year) {
  for (let i = 0; i < 50; i++) {
    const shown = Number((await page.textContent('[data-testid=calendar-year]')).trim())
    if (shown === year) return
    await page.click(shown < year ? '[data-testid=year-next]' : '[data-testid=year-prev]')
  }
  throw new Error('cannot reach year ' + year)
}

test('working calendar: 1 January 2026 is a holiday, a day marked off stays off after a reload', async () => {
  const adm = await newUserPage({ username: 'admin', password: env.admin.password }, { locale: 'en-US', viewport: { width: 1400, height: 1000 } })
  await adm.page.goto(env.base + '/admin')
  await adm.page.click('.tabs button[data-tab=calendar]')
  await adm.page.waitForURL(/tab=calendar/)
  await adm.page.locator('[data-testid=calendar-section] [data-testid=calendar-months]').waitFor()
  await showYear(adm.page, 2026)
  await adm.page.locator('.dcell[data-date="2026-01-01"][data-kind=holiday]').waitFor()
  await adm.page.locator('.dcell[data-date="2026-04-30"][data-kind=shortened]').waitFor()
  const before = await adm.page.getAttribute('.dcell[data-date="2026-03-10"]', 'data-kind')
  assert(before === 'workday', '10 March 2026 starts as a working day: ' + before)
  await adm.page.click('.dcell[data-date="2026-03-10"]')
  await adm.page.locator('[data-testid=day-panel][data-date="2026-03-10"]').waitFor()
  await adm.page.fill('[data-testid=day-panel] .note', 'Plant closed')
  await adm.page.click('[data-testid=day-panel] button[data-kind=day_off]')
  await adm.page.locator('.dcell[data-date="2026-03-10"][data-kind=day_off]').waitFor()
  await shot(adm.page, 'admin-calendar-light')

  await adm.page.reload()
  await adm.page.locator('[data-testid=calendar-months]').waitFor()
  await showYear(adm.page, 2026)
  await adm.page.locator('.dcell[data-date="2026-03-10"][data-kind=day_off]').waitFor()
  await adm.page.locator('.dcell[data-date="2026-01-01"][data-kind=holiday]').waitFor()
  // And the server says so, not just the page.
  const r = await adm.page.evaluate(async () => {
    const cals = await (await fetch('/api/v1/calendars')).json()
    const def = cals.calendars.find((c) => c.is_default)
    return (await (await fetch(`/api/v1/calendars/${def.id}/days?year=2026`)).json()).days.find((d) => d.date === '2026-03-10')
  })
  assert(r && r.kind === 'day_off' && r.note === 'Plant closed', 'stored: ' + JSON.stringify(r))

  // Weekly hours: a Saturday shift of two intervals; an overlap is refused before saving.
  await adm.page.evaluate(() => window.scrollTo(0, 0))
  await adm.page.click('[data-testid=add-interval-5]')
  await adm.page.click('[data-testid=add-interval-5]')
  const sat = adm.page.locator('.wday[data-weekday="5"] input.time')
  await sat.nth(0).fill('10:00')
  await sat.nth(1).fill('13:00')
  await sat.nth(2).fill('12:00')
  await sat.nth(3).fill('15:00')
  await adm.page.locator('.week-foot .err', { hasText: 'must not overlap' }).waitFor()
  assert(await adm.page.isDisabled('[data-testid=save-week]'), 'an overlapping week cannot be saved')
  await sat.nth(2).fill('14:00')
  await adm.page.click('[data-testid=save-week]')
  await adm.page.locator('.toast', { hasText: 'Working hours saved' }).first().waitFor()
  await adm.page.reload()
  await adm.page.locator('.wday[data-weekday="5"] input.time').nth(3).waitFor()
  const shift = await adm.page.$$eval('.wday[data-weekday="5"] input.time', (xs) => xs.map((x) => x.value))
  assert(JSON.stringify(shift) === JSON.stringify(['10:00', '13:00', '14:00', '15:00']), 'saturday shift stored: ' + shift)
  await showYear(adm.page, 2026)
  await adm.page.locator('.dcell[data-date="2026-03-14"][data-kind=workday]').waitFor()

  // A team calendar in another zone starts with the default's days.
  await adm.page.evaluate(() => window.scrollTo(0, 0))
  await adm.page.click('[data-testid=calendar-new]')
  await adm.page.fill('[data-testid=calendar-new-name]', 'Support desk')
  await adm.page.fill('[data-testid=calendar-new-zone]', 'Asia/Yekaterinburg')
  await shot(adm.page, 'admin-calendar-create')
  await adm.page.click('[data-testid=calendar-create] button[type=submit]')
  await adm.page.locator('[data-testid=calendar-section] .zone', { hasText: 'Asia/Yekaterinburg' }).waitFor()
  await showYear(adm.page, 2026)
  await adm.page.locator('.dcell[data-date="2026-01-01"][data-kind=holiday]').waitFor()
  await adm.page.locator('.dcell[data-date="2026-03-10"][data-kind=day_off]').waitFor()

  const ru = await newUserPage({ username: 'admin', password: env.admin.password }, { locale: 'ru-RU', theme: 'dark', viewport: { width: 1400, height: 1000 } })
  await ru.page.goto(env.base + '/admin?tab=calendar')
  await ru.page.locator('[data-testid=calendar-section] h1', { hasText: 'Рабочий календарь' }).waitFor()
  await showYear(ru.page, 2026)
  await ru.page.locator('.dcell[data-date="2026-03-10"][data-kind=day_off]').waitFor()
  await shot(ru.page, 'admin-calendar-dark-ru')
})
