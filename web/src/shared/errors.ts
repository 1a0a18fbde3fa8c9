// One wording for failed API calls, so a rate limit or a lost connection reads the same everywhere.
import { ApiError } from '@/api/client'
import { i18n } from '@/i18n'

/** A user-facing sentence for an error thrown by the API client (or anything else). */
export function errorText(e: unknown): string {
  const t = i18n.global.t
  if (e instanceof ApiError) {
    if (e.code === 'rate_limited' || e.status === 429) {
      const s = e.retryAfter && Number.isFinite(e.retryAfter) ? Math.max(1, Math.ceil(e.retryAfter)) : 0
      return s ? t('errors.rateLimitedIn', { n: s }, s) : t('errors.rateLimited')
    }
    if (e.isNetwork) return t('errors.network')
  }
  return t('errors.generic', { msg: (e as Error)?.message ?? String(e) })
}
