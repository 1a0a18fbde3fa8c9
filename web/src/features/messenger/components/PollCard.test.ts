import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { api } from '@/api/client'
import type { Message } from '@/api/types'
import PollCard from './PollCard.vue'
import { BOB, CAROL, ME, chat, mountIt, pollMessage, setup } from './testing'

beforeEach(setup)
afterEach(() => {
  document.body.innerHTML = ''
})

/** Each result row as "option pct% · votes". */
const results = (w: ReturnType<typeof mountIt>) =>
  w.findAll('[data-testid=poll-result]').map((r) => `${r.get('.p-text').text()} ${r.get('.p-pct').text()}`)

describe('PollCard', () => {
  it('before voting: the question, one button per option, nobody voted yet', () => {
    const w = mountIt(PollCard, { props: { chat: chat(), message: pollMessage({}) } })
    expect(w.get('.p-q').text()).toBe('When do we meet?')
    expect(w.findAll('[data-testid=poll-option]').map((o) => o.text())).toEqual(['At 11:00', 'At 15:00'])
    expect(w.find('[data-testid=poll-result]').exists()).toBe(false)
    expect(w.get('.p-voters').text()).toBe('nobody voted yet')
  })

  it('a click on an option votes for it; the results then show the counts', async () => {
    const msg = pollMessage({})
    const after: Message = pollMessage(
      {
        voters: 1,
        my_votes: [1],
        options: [
          { text: 'At 11:00', votes: 0, voter_ids: [] },
          { text: 'At 15:00', votes: 1, voter_ids: [ME.id] },
        ],
      },
      { id: msg.id },
    )
    const vote = vi.spyOn(api, 'vote').mockResolvedValue(after)
    const w = mountIt(PollCard, { props: { chat: chat(), message: msg } })
    await w.findAll('[data-testid=poll-option]')[1].trigger('click')
    await flushPromises()
    expect(vote).toHaveBeenCalledWith(msg.id, [1])
    // The store applies the answer; the list passes the updated message down.
    await w.setProps({ message: after })
    expect(results(w)).toEqual(['At 11:00 0% · 0', 'At 15:00 100% · 1'])
    expect(w.findAll('.p-res.mine').map((r) => r.get('.p-text').text())).toEqual(['At 15:00'])
    expect(w.get('.p-voters').text()).toBe('1 person voted')
    expect(w.find('[data-testid=poll-retract]').exists()).toBe(true)
  })

  it('shows percentages of all votes, and which one is mine (from voter_ids on events)', () => {
    const m = pollMessage({
      voters: 4,
      options: [
        { text: 'At 11:00', votes: 3, voter_ids: [BOB.id, CAROL.id, ME.id] },
        { text: 'At 15:00', votes: 1, voter_ids: ['u9'] },
      ],
    })
    const w = mountIt(PollCard, { props: { chat: chat(), message: m } })
    expect(results(w)).toEqual(['At 11:00 75% · 3', 'At 15:00 25% · 1'])
    expect(w.get('.p-res.mine').text()).toContain('At 11:00')
    expect(w.get('.p-res.mine .bar').attributes('style')).toContain('width: 75%')
    expect(w.get('.p-voters').text()).toBe('4 people voted')
  })

  it('several answers: pick two, then Vote sends both', async () => {
    const m = pollMessage({
      multiple: true,
      options: [
        { text: 'Tea', votes: 0, voter_ids: [] },
        { text: 'Coffee', votes: 0, voter_ids: [] },
        { text: 'Water', votes: 0, voter_ids: [] },
      ],
    })
    const vote = vi.spyOn(api, 'vote').mockResolvedValue({ ...m, poll: { ...m.poll!, my_votes: [0, 2] } })
    const w = mountIt(PollCard, { props: { chat: chat(), message: m } })
    expect(w.text()).toContain('multiple choice')
    const voteBtn = w.get('button.primary')
    expect(voteBtn.attributes('disabled')).toBeDefined()
    const opts = w.findAll('[data-testid=poll-option]')
    await opts[0].trigger('click')
    await opts[2].trigger('click')
    expect(vote).not.toHaveBeenCalled()
    expect(w.findAll('.p-choice.sel').map((o) => o.text())).toEqual(['Tea', 'Water'])
    await voteBtn.trigger('click')
    await flushPromises()
    expect(vote).toHaveBeenCalledWith(m.id, [0, 2])
  })

  it('retracting sends an empty vote', async () => {
    const m = pollMessage({ voters: 1, my_votes: [0], options: [{ text: 'A', votes: 1 }, { text: 'B', votes: 0 }] })
    const vote = vi.spyOn(api, 'vote').mockResolvedValue({ ...m, poll: { ...m.poll!, my_votes: [] } })
    const w = mountIt(PollCard, { props: { chat: chat(), message: m } })
    await w.get('[data-testid=poll-retract]').trigger('click')
    await flushPromises()
    expect(vote).toHaveBeenCalledWith(m.id, [])
  })

  it('a closed poll shows only results; a guest cannot vote either', () => {
    const closed = mountIt(PollCard, { props: { chat: chat(), message: pollMessage({ closed: true, voters: 2, options: [{ text: 'A', votes: 2 }, { text: 'B', votes: 0 }] }) } })
    expect(closed.get('.p-tags .closed').text()).toBe('Poll closed')
    expect(closed.find('[data-testid=poll-option]').exists()).toBe(false)
    expect(results(closed)).toEqual(['A 100% · 2', 'B 0% · 0'])
    expect(closed.find('[data-testid=poll-close]').exists()).toBe(false)

    const guest = mountIt(PollCard, { props: { chat: chat({ my_role: 'guest' }), message: pollMessage({}) } })
    expect(guest.find('[data-testid=poll-option]').exists()).toBe(false)
    expect(guest.findAll('[data-testid=poll-result]')).toHaveLength(2)
  })

  it('the author may close the poll, others may not', async () => {
    const mine = pollMessage({}, { author_id: ME.id })
    const close = vi.spyOn(api, 'closePoll').mockResolvedValue({ ...mine, poll: { ...mine.poll!, closed: true } })
    const w = mountIt(PollCard, { props: { chat: chat(), message: mine } })
    await w.get('[data-testid=poll-close]').trigger('click')
    await flushPromises()
    expect(close).toHaveBeenCalledWith(mine.id)
    const theirs = mountIt(PollCard, { props: { chat: chat(), message: pollMessage({}, { author_id: BOB.id }) } })
    expect(theirs.find('[data-testid=poll-close]').exists()).toBe(false)
  })
})
