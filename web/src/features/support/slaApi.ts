// The routes of SLA, CSAT and the reports (docs/api.md, "SLA, CSAT and reports"), on the app's client.
import { enc, qs, request } from '@/api/client'
import type { Id } from '@/api/types'
import type { Csat, Heatmap, SlaClock, SlaPolicy, Summary } from './slaTypes'

export interface ReportParams {
  since: string
  until: string
  tz: string
  team_id?: Id
  agent_id?: Id
  /** The basis of the median and average fields: the team's business hours, else wall-clock time. */
  business_hours?: boolean
}

export const slaApi = {
  policy: (teamId: Id) => request<SlaPolicy>('GET', `/support/teams/${enc(teamId)}/sla`),
  setPolicy: (teamId: Id, p: Partial<Omit<SlaPolicy, 'team_id' | 'updated_at'>>) =>
    request<SlaPolicy>('PUT', `/support/teams/${enc(teamId)}/sla`, p),
  ofConversation: (id: Id) => request<{ clocks: SlaClock[]; csat: Csat | null }>('GET', `/support/conversations/${enc(id)}/sla`),
  clocks: (ids: Id[]) => request<{ clocks: SlaClock[] }>('GET', '/support/sla/clocks' + qs({ conversation_ids: ids.join(',') })),
  csatEnabled: (inboxId: Id) => request<{ inbox_id: Id; enabled: boolean }>('GET', `/support/inboxes/${enc(inboxId)}/csat`),
  setCsatEnabled: (inboxId: Id, enabled: boolean) =>
    request<{ inbox_id: Id; enabled: boolean }>('PUT', `/support/inboxes/${enc(inboxId)}/csat`, { enabled }),
  summary: (p: ReportParams, signal?: AbortSignal) => request<Summary>('GET', '/support/reports/summary' + qs({ ...p }), undefined, signal),
  heatmap: (p: ReportParams, signal?: AbortSignal) => request<Heatmap>('GET', '/support/reports/heatmap' + qs({ ...p }), undefined, signal),
  /** The same report as CSV, for a download link (the session cookie goes with it). */
  csvUrl: (kind: 'summary' | 'heatmap', p: ReportParams) => `/api/v1/support/reports/${kind}` + qs({ ...p, format: 'csv' }),
}

export interface InboxSummary {
  id: Id
  name: string
  channel: string
}
export const inboxesApi = {
  list: () => request<{ inboxes: InboxSummary[] }>('GET', '/support/inboxes'),
}
