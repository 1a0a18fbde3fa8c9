import { describe, expect, it } from 'vitest'
import {
  addTags,
  chatPath,
  consultationTone,
  CONSULTATION_STATES,
  REASON_CODES,
  registryFiltered,
  validRating,
  cleanAnswers,
  curatedCommunities,
  currentApplication,
  dateInputValue,
  defaultApproveInto,
  emptyAnswers,
  interviewProblem,
  isOpen,
  missingForRequest,
  missingForSubmit,
  normalizeTag,
  rolesIn,
  seesReviewQueue,
  stateTone,
  vacationEnd,
  validLink,
} from './logic'
import type { Application, ExpertsMe } from './types'

const me = (over: Partial<ExpertsMe> = {}): ExpertsMe => ({ user_id: '1', admin: false, moderator: false, reservist: false, communities: [], ...over })
const app = (over: Partial<Application> = {}): Application => ({
  id: 'a1',
  user_id: '2',
  username: 'ivanov',
  display_name: 'Иванов',
  state: 'submitted',
  answers: emptyAnswers(),
  community_ids: ['10', '20'],
  curator_id: null,
  interview: null,
  decision: null,
  created_at: 1,
  updated_at: 1,
  submitted_at: 1,
  actions: [],
  events: [],
  ...over,
})

describe('tags', () => {
  it('normalizes as the server does: trimmed, spaces collapsed, lowercased (Cyrillic too)', () => {
    expect(normalizeTag('  Ремонт   НАСОСОВ ')).toBe('ремонт насосов')
    expect(normalizeTag('ЁЛКА')).toBe('ёлка')
  })
  it('adds what was typed, split on commas, without duplicates, empties or too long ones', () => {
    expect(addTags(['флотация'], 'Флотация, ремонт насосов;  ,вибродиагностика')).toEqual(['флотация', 'ремонт насосов', 'вибродиагностика'])
    expect(addTags([], 'x'.repeat(51))).toEqual([])
  })
  it('stops at 50 tags', () => {
    const many = Array.from({ length: 50 }, (_, i) => 't' + i)
    expect(addTags(many, 'one more')).toHaveLength(50)
  })
})

describe('the questionnaire', () => {
  it('names every missing required field and the communities', () => {
    expect(missingForSubmit(emptyAnswers(), [])).toEqual(['full_name', 'position', 'experience_years', 'experience', 'competences', 'skills', 'community_ids'])
  })
  it('is complete with the six required answers and a community', () => {
    const a = { ...emptyAnswers(), full_name: 'И', position: 'Механик', experience_years: 0, experience: 'x', competences: ['флотация'], skills: 'y' }
    expect(missingForSubmit(a, ['1'])).toEqual([])
  })
  it('refuses years out of 0..70 or fractional, and blank text', () => {
    const a = { ...emptyAnswers(), full_name: '  ', position: 'p', experience: 'e', competences: ['c'], skills: 's' }
    expect(missingForSubmit({ ...a, experience_years: 71 }, ['1'])).toEqual(['full_name', 'experience_years'])
    expect(missingForSubmit({ ...a, experience_years: 2.5 }, ['1'])).toContain('experience_years')
  })
  it('sends trimmed text and an empty number as null', () => {
    const c = cleanAnswers({ ...emptyAnswers(), full_name: '  Иванов ', experience_years: NaN })
    expect(c.full_name).toBe('Иванов')
    expect(c.experience_years).toBeNull()
  })
})

describe('states and roles', () => {
  it('tones: approved ok, rejected bad, a question warns, the review accent, the rest plain', () => {
    expect(stateTone('approved')).toBe('ok')
    expect(stateTone('rejected')).toBe('bad')
    expect(stateTone('clarification_requested')).toBe('warn')
    expect(stateTone('interview_scheduled')).toBe('accent')
    expect(stateTone('withdrawn')).toBe('')
  })
  it('open states are those still going somewhere', () => {
    expect(isOpen({ state: 'draft' })).toBe(true)
    expect(isOpen({ state: 'interview_scheduled' })).toBe(true)
    expect(isOpen({ state: 'approved' })).toBe(false)
    expect(isOpen({ state: 'withdrawn' })).toBe(false)
  })
  it('the review queue is for curators and moderators (administrators count)', () => {
    expect(seesReviewQueue(null)).toBe(false)
    expect(seesReviewQueue(me())).toBe(false)
    expect(seesReviewQueue(me({ communities: [{ community_id: '10', subscribed: true, roles: ['expert'] }] }))).toBe(false)
    expect(seesReviewQueue(me({ communities: [{ community_id: '10', subscribed: false, roles: ['curator'] }] }))).toBe(true)
    expect(seesReviewQueue(me({ moderator: true }))).toBe(true)
    expect(seesReviewQueue(me({ admin: true }))).toBe(true)
  })
  it('roles in a community, and the communities a curator approves into by default', () => {
    const m = me({ communities: [{ community_id: '10', subscribed: true, roles: ['curator'] }, { community_id: '30', subscribed: true, roles: ['curator'] }] })
    expect(rolesIn(m, '10')).toEqual(['curator'])
    expect(rolesIn(m, '20')).toEqual([])
    expect(curatedCommunities(m)).toEqual(['10', '30'])
    expect(defaultApproveInto(app(), m)).toEqual(['10'])
    expect(defaultApproveInto(app(), me({ moderator: true }))).toEqual(['10', '20'])
  })
  it('the current application: the open one, else the newest', () => {
    expect(currentApplication([])).toBeNull()
    const old = app({ id: 'old', state: 'rejected', created_at: 1 })
    const newer = app({ id: 'new', state: 'withdrawn', created_at: 5 })
    expect(currentApplication([old, newer])?.id).toBe('new')
    expect(currentApplication([newer, app({ id: 'open', state: 'in_review', created_at: 3 })])?.id).toBe('open')
  })
})

describe('the interview', () => {
  const now = 1_000_000
  it('needs a time in the future and an http(s) link', () => {
    expect(interviewProblem(NaN, 'https://x')).toBe('time')
    expect(interviewProblem(now - 1, 'https://meet.example.com/a', now)).toBe('past')
    expect(interviewProblem(now + 60_000, 'ftp://x', now)).toBe('link')
    expect(interviewProblem(now + 60_000, 'https://meet.example.com/a', now)).toBeNull()
  })
  it('links: http or https, no spaces, up to 500 characters', () => {
    expect(validLink('http://a.b/c')).toBe(true)
    expect(validLink('javascript:alert(1)')).toBe(false)
    expect(validLink('https://a b')).toBe(false)
    expect(validLink('https://a.b/' + 'x'.repeat(500))).toBe(false)
  })
})

describe('the request form and the vacation date', () => {
  it('names every missing field of a request', () => {
    expect(missingForRequest({})).toEqual(['title', 'question', 'expected_result', 'community_id', 'difficulty'])
    expect(missingForRequest({ title: 't', question: 'q', expected_result: 'e', community_id: '1', difficulty: 'advanced' })).toEqual([])
    expect(missingForRequest({ title: ' ', question: 'q', expected_result: 'e', community_id: '1', difficulty: 'hard' as never })).toEqual(['title', 'difficulty'])
  })
  it('a vacation ends at the end of its day, local time, and round-trips through the date input', () => {
    const end = vacationEnd('2027-03-08')!
    const d = new Date(end)
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2027, 2, 8, 23, 59])
    expect(dateInputValue(end)).toBe('2027-03-08')
    expect(vacationEnd('')).toBeNull()
    expect(vacationEnd('2027-02-30')).toBeNull()
  })
})

describe('consultations', () => {
  it('tones: resolved ok, rejected bad, returned warns, assigned and in progress accent', () => {
    expect(consultationTone('resolved')).toBe('ok')
    expect(consultationTone('rejected')).toBe('bad')
    expect(consultationTone('returned_for_clarification')).toBe('warn')
    expect(consultationTone('in_progress')).toBe('accent')
    expect(consultationTone('new')).toBe('')
    expect(consultationTone('cancelled')).toBe('')
  })
  it('the chat opens in the messenger once there is one', () => {
    expect(chatPath({ chat_id: null })).toBeNull()
    expect(chatPath({ chat_id: '42' })).toBe('/chats/42')
  })
  it('ratings are whole numbers 1..5', () => {
    expect([0, 1, 5, 6, 2.5].map(validRating)).toEqual([false, true, true, false, false])
  })
  it('the registry is filtered by any of its filters', () => {
    expect(registryFiltered({})).toBe(false)
    expect(registryFiltered({ q: '  ' })).toBe(false)
    expect(registryFiltered({ q: 'насос' })).toBe(true)
    expect(registryFiltered({ expert: '7' })).toBe(true)
  })
  it('every state and reason code is listed once', () => {
    expect(new Set(CONSULTATION_STATES).size).toBe(7)
    expect(REASON_CODES).toContain('other')
  })
})
