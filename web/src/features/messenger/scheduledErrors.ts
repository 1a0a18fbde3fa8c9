// One wording for what the server answers to a scheduled message (docs/api.md, "Scheduled messages").
import { ApiError } from '@/api/client'
import type { ScheduledMessage } from '@/api/types'
import { errorText } from '@/shared/errors'
import { i18n } from '@/i18n'

/** A sentence for a refused schedule, edit, send-now or cancel. */
export function scheduledErrorText(e: unknown): string {
  const t = i18n.global.t
  if (e instanceof ApiError) {
    switch (e.code) {
      case 'invalid_send_at':
        return t('scheduled.refusedTime', { msg: e.message })
      case 'scheduled_message_not_pending':
        return t('scheduled.notPending')
      case 'too_many_scheduled_messages':
        return t('scheduled.tooMany')
      case 'chat_archived':
        return t('errors.archived')
      case 'forbidden':
        return t('errors.cannotPost')
    }
  }
  return errorText(e)
}

/** Why a failed one was not posted, as its author reads it. */
export function failureText(m: Pick<ScheduledMessage, 'failure'>): string {
  const t = i18n.global.t
  const f = m.failure
  if (!f) return ''
  const key = 'scheduled.failure.' + f.code
  return t('scheduled.notSent', { reason: i18n.global.te(key, 'en') ? t(key) : f.message || f.code })
}
