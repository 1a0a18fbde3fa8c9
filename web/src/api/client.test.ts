import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError, parseRetryAfter, setPasswordChangeRequiredHandler } from './client'
import { errorText } from '@/shared/errors'
import { i18n } from '@/i18n'

function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(body), { status, headers })))
}

afterEach(() => {
  vi.unstubAllGlobals()
  setPasswordChangeRequiredHandler(null)
})

describe('api client errors', () => {
  it('reports 403 password_change_required from any call', async () => {
    const seen = vi.fn()
    setPasswordChangeRequiredHandler(seen)
    answer(403, { error: { code: 'password_change_required', message: 'change your password first' } })
    await expect(api.chats()).rejects.toMatchObject({ status: 403, code: 'password_change_required' })
    expect(seen).toHaveBeenCalledTimes(1)
    answer(403, { error: { code: 'forbidden', message: 'no' } })
    await expect(api.chats()).rejects.toBeInstanceOf(ApiError)
    expect(seen).toHaveBeenCalledTimes(1)
  })

  it('reads Retry-After of a 429 and words it for people', async () => {
    answer(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '7' })
    const e = await api.postMessage('1', 'hi').catch((x: unknown) => x)
    expect(e).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 7 })
    i18n.global.locale.value = 'en'
    expect(errorText(e)).toBe('Too many requests. Try again in 7 seconds.')
    i18n.global.locale.value = 'ru'
    expect(errorText(e)).toBe('Слишком много запросов. Повторите через 7 секунд.')
    expect(errorText(new ApiError(429, 'rate_limited', 'x', 1))).toBe('Слишком много запросов. Повторите через 1 секунду.')
    expect(errorText(new ApiError(429, 'rate_limited', 'x'))).toContain('Подождите')
  })

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120)
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
    const now = Date.parse('2026-12-01T10:00:00Z')
    expect(parseRetryAfter('Tue, 01 Dec 2026 10:00:30 GMT', now)).toBe(30)
  })
})
