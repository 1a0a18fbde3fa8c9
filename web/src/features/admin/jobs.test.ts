import { describe, expect, it } from 'vitest'
import { job } from '@/api/fixtures'
import en from '@/i18n/en'
import ru from '@/i18n/ru'
import { canRetry, DEFAULT_JOB_FILTER, JOB_FILTERS, jobStateLabelKey, payloadSummary } from './jobs'

describe('admin jobs', () => {
  it('opens on dead jobs and labels every state in both languages', () => {
    expect(DEFAULT_JOB_FILTER).toBe('dead')
    expect([...JOB_FILTERS].sort()).toEqual(['dead', 'done', 'pending', 'running'])
    for (const s of JOB_FILTERS) {
      expect(jobStateLabelKey(s)).toBe('jobs.states.' + s)
      expect(en.jobs.states[s]).toBeTruthy()
      expect(ru.jobs.states[s]).toBeTruthy()
    }
  })

  it('offers retry for dead jobs only', () => {
    expect(canRetry(job({ state: 'dead' }))).toBe(true)
    for (const state of ['pending', 'running', 'done'] as const) expect(canRetry(job({ state }))).toBe(false)
  })

  it('summarises a payload in one line', () => {
    expect(payloadSummary({ id: '123' })).toBe('id=123')
    expect(payloadSummary({ id: '1', n: 2, o: { a: 1 } })).toBe('id=1 n=2 o={"a":1}')
    expect(payloadSummary(null)).toBe('')
    expect(payloadSummary({ text: 'x'.repeat(100) }, 20)).toHaveLength(20)
  })
})
