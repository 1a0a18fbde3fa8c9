// The background jobs list of the admin console (docs/api.md, "Jobs"): pure helpers the view and its
// tests share.
import type { Job, JobState } from '@/api/types'

/** The state filter's order; the console opens on `dead`, the ones that need an administrator. */
export const JOB_FILTERS: readonly JobState[] = ['dead', 'pending', 'running', 'done']
export const DEFAULT_JOB_FILTER: JobState = 'dead'
export const JOBS_PAGE = 50

export function jobStateLabelKey(state: JobState): string {
  return 'jobs.states.' + state
}

/** Only a dead job can be retried (`409 job_not_dead` otherwise). */
export function canRetry(job: Pick<Job, 'state'>): boolean {
  return job.state === 'dead'
}

/** The payload in one line, for the table ("id=123"); the whole JSON sits in the cell's title. */
export function payloadSummary(payload: unknown, max = 60): string {
  if (payload === null || payload === undefined) return ''
  let s: string
  if (typeof payload === 'object' && !Array.isArray(payload))
    s = Object.entries(payload as Record<string, unknown>)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ')
  else s = JSON.stringify(payload)
  return s.length > max ? s.slice(0, max - 1) + '…' : s
}
