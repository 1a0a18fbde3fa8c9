// The wire types of SLA policies and clocks, CSAT and the reports (docs/api.md, "SLA, CSAT and reports").
import type { Id, Millis } from '@/api/types'

export type SlaMetric = 'frt' | 'nrt' | 'rt'
export type SlaState = 'running' | 'paused' | 'hit' | 'missed' | 'stopped'

export interface SlaPolicy {
  team_id: Id
  frt_minutes: number | null
  nrt_minutes: number | null
  rt_minutes: number | null
  business_hours_only: boolean
  warn_before_minutes: number
  calendar_id: Id | null
  updated_at: Millis | null
}

export interface SlaClock {
  conversation_id: Id
  metric: SlaMetric
  state: SlaState
  threshold_minutes: number
  business_hours_only: boolean
  started_at: Millis
  due_at: Millis | null
  remaining_ms: number | null
  warn_at_ms_before: number
  warned: boolean
  stopped_at: Millis | null
}

export interface Csat {
  conversation_id: Id
  requested_at: Millis
  rating: number | null
  comment: string
  rated_at: Millis | null
  agent_id?: Id | null
  team_id?: Id | null
}

/** `data` of support.sla.warning, support.sla.missed and support.sla.hit. */
export interface SlaEventData {
  conversation_id: Id
  number: string
  metric: SlaMetric
  state: SlaState
  due_at: Millis | null
}

export interface DurationStats {
  count: number
  median_s: number | null
  average_s: number | null
  median_business_s: number | null
  average_business_s: number | null
}

export interface ReportRow {
  id: Id | null
  name: string
  roles?: { name: string; title: string; archived: boolean }[]
  new: number
  open_at_end: number
  resolved: number
  replies: number
  first_response: DurationStats
  resolution: DurationStats
  sla: { hit: number; missed: number; compliance: number | null }
  csat: { requested: number; rated: number; average: number | null; response_rate: number | null }
}

export interface ReportQuery {
  since: Millis
  until: Millis
  tz: string
  team_id: Id | null
  agent_id: Id | null
  /** Whether median_s and average_s are business-hours time (else wall-clock). */
  business_hours: boolean
}

export interface Summary {
  query: ReportQuery
  total: ReportRow
  teams: ReportRow[]
  agents: ReportRow[]
}

export interface Heatmap {
  query: ReportQuery
  total: number
  /** [weekday, Monday first][local hour]. */
  cells: number[][]
}
