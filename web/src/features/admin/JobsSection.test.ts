import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { api, ApiError } from '@/api/client'
import { job } from '@/api/fixtures'
import { mountIt, setup } from '@/features/messenger/components/testing'
import JobsSection from './JobsSection.vue'

beforeEach(setup)
afterEach(() => {
  document.body.innerHTML = ''
})

describe('JobsSection', () => {
  it('opens on dead jobs and shows kind, attempts and the last error', async () => {
    const list = vi.spyOn(api, 'adminJobs').mockResolvedValue({ jobs: [job({ id: '5', last_error: 'database is locked' })] })
    const w = mountIt(JobsSection)
    await flushPromises()
    expect(list).toHaveBeenCalledWith({ state: 'dead', kind: undefined, limit: 50 })
    const row = w.get('[data-testid=job-row]')
    expect(row.text()).toContain('scheduled.send')
    expect(row.text()).toContain('10 / 10')
    expect(row.text()).toContain('database is locked')
    expect(w.get('[aria-pressed=true]').text()).toBe('Dead')
  })

  it('retries a dead job, which leaves the dead list', async () => {
    vi.spyOn(api, 'adminJobs').mockResolvedValue({ jobs: [job({ id: '5' }), job({ id: '6' })] })
    const retry = vi.spyOn(api, 'retryJob').mockResolvedValue(job({ id: '5', state: 'pending', attempts: 0 }))
    const w = mountIt(JobsSection)
    await flushPromises()
    await w.get('[data-testid=job-row][data-id="5"] [data-testid=job-retry]').trigger('click')
    await flushPromises()
    expect(retry).toHaveBeenCalledWith('5')
    expect(w.findAll('[data-testid=job-row]').map((r) => r.attributes('data-id'))).toEqual(['6'])
  })

  it('a job that is no longer dead reloads the list', async () => {
    const list = vi.spyOn(api, 'adminJobs').mockResolvedValue({ jobs: [job({ id: '5' })] })
    vi.spyOn(api, 'retryJob').mockRejectedValue(new ApiError(409, 'job_not_dead', 'not dead'))
    const w = mountIt(JobsSection)
    await flushPromises()
    await w.get('[data-testid=job-retry]').trigger('click')
    await flushPromises()
    expect(list).toHaveBeenCalledTimes(2)
  })

  it('switches state, offers retry only for dead jobs, and pages with next_before', async () => {
    const list = vi
      .spyOn(api, 'adminJobs')
      .mockResolvedValueOnce({ jobs: [] })
      .mockResolvedValueOnce({ jobs: [job({ id: '9', state: 'done', last_error: null })], next_before: '9' })
      .mockResolvedValueOnce({ jobs: [job({ id: '8', state: 'done', last_error: null })] })
    const w = mountIt(JobsSection)
    await flushPromises()
    expect(w.text()).toContain('No jobs in this state.')
    await w.get('button[data-state=done]').trigger('click')
    await flushPromises()
    expect(list.mock.calls[1][0]).toMatchObject({ state: 'done' })
    expect(w.find('[data-testid=job-retry]').exists()).toBe(false)
    await w.get('[data-testid=jobs-more]').trigger('click')
    await flushPromises()
    expect(list.mock.calls[2][0]).toMatchObject({ state: 'done', before: '9' })
    expect(w.findAll('[data-testid=job-row]').map((r) => r.attributes('data-id'))).toEqual(['9', '8'])
    expect(w.find('[data-testid=jobs-more]').exists()).toBe(false)
  })
})
