import { describe, expect, it } from 'vitest'
import type { TimelineEntry } from '@/api/types'
import { i18n } from '@/i18n'
import { describeEntry, usersOf } from './history'

const names: Record<string, string> = { '1': 'Anna', '2': 'Boris', '3': 'Vera' }
const name = (id: string) => names[id] ?? '?'

function entry(type: string, data: Record<string, unknown> = {}, actor_id: string | null = '1'): TimelineEntry {
  return { id: '100', item: 'chat:9', type, actor_id, at: 1767225600000, data }
}

function say(e: TimelineEntry, locale: 'en' | 'ru' = 'en'): string {
  i18n.global.locale.value = locale
  const t = (k: string, p?: Record<string, unknown>) => i18n.global.t(k, p ?? {})
  return describeEntry(e, name, t)
}

describe('describeEntry', () => {
  it('names the actor, the subject and the roles of membership changes', () => {
    expect(say(entry('member_added', { user_id: '2', role: 'guest' }))).toBe('Anna added Boris as Guest')
    expect(say(entry('member_role_changed', { user_id: '2', from: 'member', to: 'admin' }))).toBe(
      'Anna changed the role of Boris: Member → Admin',
    )
    expect(say(entry('member_removed', { user_id: '3' }), 'ru')).toBe('Anna удалил(а) Vera из чата')
    expect(say(entry('member_joined', { user_id: '3' }, '3'))).toBe('Vera joined')
  })

  it('says what an update changed and who did it', () => {
    expect(say(entry('updated', { name: { from: 'Tender', to: 'Tender: stage 2' } }))).toBe(
      'Anna changed the name from “Tender” to “Tender: stage 2”',
    )
    expect(say(entry('updated', { topic: { from: '', to: 'x' } }), 'ru')).toBe('Anna изменил(а) тему')
    expect(say(entry('created', { name: 'Закупки', type: 'group', member_ids: ['2'] }))).toBe('Anna created the chat “Закупки”')
  })

  it('the system acts without a name, and unknown types still show', () => {
    expect(say(entry('owner_inherited', { user_id: '2' }, null))).toBe('Boris became the owner (the last owner left)')
    expect(say(entry('escalated', {}, null))).toBe('Veche: escalated')
    expect(say(entry('archived'), 'ru')).toBe('Anna отправил(а) чат в архив')
  })
})

describe('usersOf', () => {
  it('lists the actor, the subject and the invited members', () => {
    expect(usersOf(entry('created', { member_ids: ['2', '3'] }))).toEqual(['1', '2', '3'])
    expect(usersOf(entry('member_added', { user_id: '2' }, null))).toEqual(['2'])
  })
})
