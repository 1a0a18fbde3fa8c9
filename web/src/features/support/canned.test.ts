import { describe, expect, it } from 'vitest'
import { fillVariables, insertCanned, matchCanned, slashQuery } from './canned'
import type { CannedReply } from './types'

function reply(short_code: string, content: string): CannedReply {
  return { id: short_code, scope: 'personal', owner_id: '1', team_id: null, short_code, content, created_at: 0, updated_at: 0 }
}

describe('the slash query', () => {
  it('is the /code just before the caret, at a line start or after a space', () => {
    expect(slashQuery('/hel', 4)).toEqual({ start: 0, query: 'hel' })
    expect(slashQuery('Добрый день! /hel', 17)).toEqual({ start: 13, query: 'hel' })
    expect(slashQuery('line\n/', 6)).toEqual({ start: 5, query: '' })
    expect(slashQuery('/hello world', 12)).toBeNull()
    expect(slashQuery('http://x', 8)).toBeNull()
    expect(slashQuery('a/b', 3)).toBeNull()
    // the caret decides, not the end of the text
    expect(slashQuery('/he tail', 3)).toEqual({ start: 0, query: 'he' })
  })
})

describe('variables', () => {
  it('are filled in, unknown ones kept, missing ones empty', () => {
    const ctx = { contactName: 'Анна', contactEmail: 'anna@example.com', conversationNumber: 'SUP-000042', agentName: 'Пётр' }
    expect(fillVariables('Здравствуйте, {{contact.name}}! {{ conversation.number }} · {{agent.name}}', ctx)).toBe(
      'Здравствуйте, Анна! SUP-000042 · Пётр',
    )
    expect(fillVariables('{{contact.email}} {{order.id}}', ctx)).toBe('anna@example.com {{order.id}}')
    expect(fillVariables('Hi {{contact.name}}', {})).toBe('Hi ')
    expect(fillVariables('{{contact.name}}{{contact.name}}', { contactName: ' Ann ' })).toBe('AnnAnn')
  })
})

describe('matching and insertion', () => {
  it('ranks a short-code prefix above a substring above the content', () => {
    const list = [reply('xhello', 'a'), reply('bye', 'hello there'), reply('hello2', 'b'), reply('hello', 'c'), reply('none', 'z')]
    expect(matchCanned(list, 'hello').map((r) => r.short_code)).toEqual(['hello', 'hello2', 'xhello', 'bye'])
    expect(matchCanned(list, '').length).toBe(5)
    expect(matchCanned(list, 'HEL', 2).map((r) => r.short_code)).toEqual(['hello', 'hello2'])
  })

  it('replaces the /code with the text and puts the caret after it', () => {
    const text = 'Добрый день! /hel и ещё'
    const q = slashQuery(text, 17)!
    const out = insertCanned(text, q.start, 17, 'Здравствуйте, Анна!')
    expect(out.text).toBe('Добрый день! Здравствуйте, Анна! и ещё')
    expect(out.caret).toBe(13 + 'Здравствуйте, Анна!'.length)
  })
})
