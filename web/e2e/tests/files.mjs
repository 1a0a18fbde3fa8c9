// Files: upload with progress from the composer, the other user downloads the same bytes.
import { readFileSync } from 'node:fs'
import { assert, channelFixture, drawPng, messageByText, openChat, reportBytes, test, waitFor } from '../harness.mjs'

test('upload a file with progress, post it, the other user downloads the same bytes', async () => {
  const { A, B, general } = await channelFixture()
  await openChat(A.page, general.id)
  await openChat(B.page, general.id)
  const bytes = reportBytes()
  await A.page.locator('[data-testid=file-input]').setInputFiles({ name: 'Отчёт за квартал.bin', mimeType: 'application/octet-stream', buffer: bytes })
  await A.page.locator('[data-testid=attachment].done').waitFor()
  // An image too, for the thumbnail path.
  const png = await drawPng(A.page)
  await A.page.locator('[data-testid=file-input]').setInputFiles({ name: 'схема.png', mimeType: 'image/png', buffer: png })
  await waitFor(async () => (await A.page.locator('[data-testid=attachment].done').count()) === 2, 'both uploads done')
  await A.page.fill('[data-testid=composer]', 'Файлы к совещанию')
  await A.page.keyboard.press('Enter')
  const card = messageByText(B.page, 'Файлы к совещанию').locator('[data-testid=file-card]')
  await card.waitFor()
  assert((await card.textContent()).includes('Отчёт за квартал.bin'), 'file card shows the name')
  await messageByText(B.page, 'Файлы к совещанию').locator('[data-testid=file-thumb] img').waitFor()
  const [dl] = await Promise.all([B.page.waitForEvent('download'), card.click()])
  const got = readFileSync(await dl.path())
  assert(got.equals(bytes), `downloaded bytes match (${got.length} vs ${bytes.length})`)
  assert(dl.suggestedFilename() === 'Отчёт за квартал.bin', 'Cyrillic file name survives: ' + dl.suggestedFilename())
  // The Files panel lists both.
  await B.page.click('[data-testid=files-toggle]')
  await waitFor(async () => (await B.page.locator('[data-testid=files-item]').count()) === 2, 'files panel lists 2 files')
  await B.page.keyboard.press('Escape')
})
