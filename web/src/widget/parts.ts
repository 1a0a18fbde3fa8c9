// The widget's two cards besides the conversation: the topic picker a new visitor sees before the first
// message (when the desk has a choice of topics), and the CSAT rating card of a resolved conversation
// with its "thank you" state. Plain DOM inside the widget's shadow root; the widget owns the state.
import type { Strings } from './logic'

export const PARTS_CSS = `
.topics { align-self: stretch; display: flex; flex-direction: column; gap: 6px; margin-top: 4px; }
.topics .q { font-size: 13px; color: #5f6677; margin: 0 2px 2px; }
.topic { text-align: left; border: 1px solid #dfe2e8; background: #fff; color: inherit; border-radius: 10px; padding: 9px 12px;
  font-size: 14px; cursor: pointer; }
.topic:hover { border-color: var(--vw-accent); }
.topic[aria-pressed=true] { border-color: var(--vw-accent); background: color-mix(in srgb, var(--vw-accent) 9%, #fff);
  box-shadow: inset 0 0 0 1px var(--vw-accent); }
.csat { display: none; flex: none; margin-top: 6px; padding: 14px; border: 1px solid #e6e8ee; border-radius: 12px; background: #fafbfc;
  text-align: center; }
.csat.shown { display: block; }
.csat h3 { margin: 0 0 4px; font-size: 15px; font-weight: 600; }
.csat p { margin: 0 0 10px; font-size: 12.5px; color: #5f6677; line-height: 1.4; }
.stars { display: flex; justify-content: center; gap: 4px; }
.star { border: 0; background: transparent; padding: 2px; cursor: pointer; color: #c9ced8; line-height: 0; border-radius: 6px; }
.star.on { color: #f5a524; }
.star:focus-visible { outline: 2px solid var(--vw-accent); outline-offset: 1px; }
.stars.static .star { cursor: default; }
.csat .label { min-height: 18px; font-size: 12.5px; color: #5f6677; margin: 4px 0 8px; }
.csat textarea { width: 100%; height: 48px; resize: none; padding: 8px 10px; border: 1px solid #dfe2e8; border-radius: 10px;
  font-size: 13px; color: inherit; background: #fff; outline: none; }
.csat textarea:focus { border-color: var(--vw-accent); }
.csat .send { margin-top: 8px; width: 100%; border: 0; border-radius: 10px; padding: 9px 14px; background: var(--vw-accent); color: #fff;
  font-weight: 600; cursor: pointer; font-size: 14px; }
.csat .send:disabled { opacity: .5; cursor: default; }
.csat .cerr { color: #dc2626; font-size: 12.5px; margin-top: 6px; }
.csat.thanks h3 { margin-top: 6px; }
`

const STAR =
  '<svg width="30" height="30" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M12 2.8l2.8 5.9 6.4.8-4.7 4.4 1.2 6.4L12 17.2l-5.7 3.1 1.2-6.4-4.7-4.4 6.4-.8z"/></svg>'

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  if (cls) e.className = cls
  if (text !== undefined) e.textContent = text
  return e
}

export interface TopicChoice {
  id: string
  title: string
}

/** The topic buttons; `picked` is told the chosen id (the buttons mark it themselves). */
export function topicPicker(s: Strings, topics: TopicChoice[], chosen: string | null, picked: (id: string) => void): HTMLElement {
  const box = el('div', 'topics')
  box.setAttribute('role', 'group')
  box.setAttribute('aria-label', s.topicTitle)
  box.setAttribute('data-testid', 'widget-topics')
  box.append(el('div', 'q', s.topicTitle))
  const buttons = topics.map((t) => {
    const b = el('button', 'topic', t.title)
    b.type = 'button'
    b.setAttribute('data-testid', 'widget-topic')
    b.setAttribute('data-id', t.id)
    b.setAttribute('aria-pressed', String(t.id === chosen))
    b.addEventListener('click', () => {
      for (const x of buttons) x.setAttribute('aria-pressed', String(x === b))
      picked(t.id)
    })
    return b
  })
  box.append(...buttons)
  return box
}

function stars(s: Strings, value: number, pick?: (n: number) => void): { row: HTMLElement; set: (n: number) => void } {
  const row = el('div', pick ? 'stars' : 'stars static')
  row.setAttribute('role', pick ? 'radiogroup' : 'img')
  row.setAttribute('aria-label', pick ? s.csatTitle : `${value}/5 · ${s.ratings[value - 1] ?? ''}`)
  const buttons: HTMLElement[] = []
  const set = (n: number) => buttons.forEach((b, i) => b.classList.toggle('on', i < n))
  for (let n = 1; n <= 5; n++) {
    const b = pick ? el('button', 'star') : el('span', 'star')
    b.innerHTML = STAR
    if (pick && b instanceof HTMLButtonElement) {
      b.type = 'button'
      b.setAttribute('role', 'radio')
      b.setAttribute('aria-checked', 'false')
      b.setAttribute('aria-label', s.ratings[n - 1])
      b.setAttribute('data-rating', String(n))
      b.addEventListener('click', () => pick(n))
      b.addEventListener('mouseenter', () => set(n))
      b.addEventListener('mouseleave', () => set(value))
    }
    buttons.push(b)
    row.append(b)
  }
  set(value)
  return { row, set }
}

/**
 * The rating card: five stars, an optional comment, send. `submit` resolves on success; it rejects
 * with the text to show otherwise (the card stays for another try).
 */
export function ratingCard(s: Strings, submit: (rating: number, comment: string) => Promise<void>): HTMLElement[] {
  let rating = 0
  const title = el('h3', '', s.csatTitle)
  const hint = el('p', '', s.csatHint)
  const label = el('div', 'label')
  const comment = el('textarea')
  comment.maxLength = 200
  comment.placeholder = s.csatComment
  comment.setAttribute('aria-label', s.csatComment)
  comment.setAttribute('data-testid', 'widget-csat-comment')
  const send = el('button', 'send', s.csatSend)
  send.type = 'button'
  send.disabled = true
  send.setAttribute('data-testid', 'widget-csat-send')
  const err = el('div', 'cerr')
  err.setAttribute('role', 'alert')
  const row = stars(s, 0, (n) => {
    rating = n
    row.set(n)
    label.textContent = s.ratings[n - 1]
    for (const b of row.row.querySelectorAll('button')) b.setAttribute('aria-checked', String(b.dataset.rating === String(n)))
    send.disabled = false
  })
  send.addEventListener('click', () => {
    if (!rating) return
    send.disabled = true
    err.textContent = ''
    submit(rating, comment.value.trim()).catch((text: unknown) => {
      err.textContent = typeof text === 'string' ? text : s.csatFailed
      send.disabled = false
    })
  })
  return [title, hint, row.row, label, comment, send, err]
}

/** After the rating: the stars given and the thanks. */
export function thanksCard(s: Strings, rating: number): HTMLElement[] {
  const t = el('h3', '', s.csatThanks)
  t.setAttribute('data-testid', 'widget-csat-thanks')
  return [stars(s, rating).row, t]
}
