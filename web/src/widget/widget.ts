// The embeddable support widget (docs/operations.md, "Embedding the support widget"): one
//   <script src="https://veche.example/widget.js" data-inbox="<inbox token>" async></script>
// on a company's page adds a launcher and a chat panel, inside a shadow root so that the page's CSS
// cannot reach it. It talks to the Veche server the script came from, through the widget's routes
// only (they allow any origin, or the inbox's allowed origins, docs/api.md "Cross-origin requests"),
// naming the inbox in every URL. A new visitor is offered the desk's topics when there are several; a
// resolved conversation that asks for a rating shows the rating card (parts.ts). The visitor token is kept in the
// host page's localStorage (per inbox), so a reload or a new tab continues the same conversations;
// while the panel is open the widget polls the messages every few seconds (visitors have no stream),
// while it is closed every IDLE_MS (only when the tab is visible), to mark the launcher when an agent
// has answered since the visitor last looked.
// Built by `vite build -c vite.widget.config.ts` into dist/widget.js, served by the server as a file
// of the web client.
import {
  csatView,
  errorCode,
  fileSize,
  MAX_FILE_BYTES,
  offersTopics,
  pickLang,
  readSaved,
  storageKey,
  STRINGS,
  usable,
  widgetUrl,
  type CsatView,
  type Saved,
  type Strings,
} from './logic'
import { PARTS_CSS, ratingCard, thanksCard, topicPicker, type TopicChoice } from './parts'

interface VisitorConversation {
  id: string
  number: string
  status: string
  created_at: number
}
interface VisitorFile {
  id: string
  name: string
  size: number
  content_type: string
}
interface VisitorMessage {
  id: string
  from: 'visitor' | 'agent'
  text: string
  files?: VisitorFile[]
  created_at: number
}
export interface WidgetUser {
  identifier?: string
  identifier_hash?: string
  name?: string
  email?: string
}

const POLL_MS = 3000
const IDLE_MS = 10000

const CSS = `
:host { all: initial; }
* { box-sizing: border-box; font-family: ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px; border: 0;
  border-radius: 50%; background: var(--vw-accent); color: #fff; cursor: pointer; box-shadow: 0 6px 20px rgba(15,23,42,.25);
  display: flex; align-items: center; justify-content: center; }
.launcher:hover { filter: brightness(1.08); }
.launcher.unread::after { content: ''; position: absolute; top: 4px; right: 4px; width: 12px; height: 12px; border-radius: 50%;
  background: #dc2626; border: 2px solid #fff; }
.panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; width: 360px; max-width: calc(100vw - 24px);
  height: 520px; max-height: calc(100vh - 110px); display: none; flex-direction: column; background: #fff; color: #1b1f2a;
  border: 1px solid #dfe2e8; border-radius: 14px; box-shadow: 0 12px 40px rgba(15,23,42,.22); overflow: hidden; font-size: 14px; }
.panel.open { display: flex; }
header { padding: 14px 16px; background: var(--vw-accent); color: #fff; display: flex; align-items: center; gap: 10px; }
header .t { flex: 1; min-width: 0; }
header h2 { margin: 0; font-size: 15px; font-weight: 600; }
header .num { font-size: 12px; opacity: .9; }
header button { border: 0; background: transparent; color: #fff; cursor: pointer; font-size: 20px; line-height: 1; padding: 4px; }
.convs { padding: 6px 12px; border-bottom: 1px solid #eceef2; background: #f7f8fa; display: none; }
.convs.shown { display: block; }
.convs select { width: 100%; font-size: 13px; padding: 4px; border: 1px solid #dfe2e8; border-radius: 6px; background: #fff; color: inherit; }
.msgs { flex: 1; overflow-y: auto; padding: 14px 12px; display: flex; flex-direction: column; gap: 8px; background: #fff; }
.msg { max-width: 82%; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap; word-wrap: break-word; line-height: 1.4; }
.msg.visitor { align-self: flex-end; background: var(--vw-accent); color: #fff; border-bottom-right-radius: 4px; }
.msg.agent { align-self: flex-start; background: #f1f3f7; border-bottom-left-radius: 4px; }
.msg .who { display: block; font-size: 11px; opacity: .75; margin-bottom: 2px; }
.hint { color: #5f6677; font-size: 13px; text-align: center; padding: 8px; }
.err { color: #dc2626; font-size: 12.5px; padding: 0 12px 6px; min-height: 0; }
form { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #eceef2; }
textarea { flex: 1; resize: none; height: 40px; max-height: 120px; padding: 9px 10px; border: 1px solid #dfe2e8; border-radius: 10px;
  font-size: 14px; color: inherit; background: #fff; outline: none; }
textarea:focus { border-color: var(--vw-accent); }
form button { border: 0; border-radius: 10px; padding: 0 14px; background: var(--vw-accent); color: #fff; font-weight: 600; cursor: pointer; }
form button:disabled { opacity: .6; cursor: default; }
form button.attach { background: transparent; color: #5f6677; padding: 0 6px; }
form button.attach:hover { color: var(--vw-accent); }
.file { display: block; margin-top: 4px; color: inherit; text-decoration: underline; cursor: pointer; font-size: 13px; background: none;
  border: 0; padding: 0; text-align: left; font: inherit; }
input[type=file] { display: none; }
` + PARTS_CSS

const CLIP_ICON =
  '<svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="m21.44 11.05-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48"/></svg>'


const CHAT_ICON =
  '<svg width="26" height="26" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>'

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  if (cls) e.className = cls
  if (text !== undefined) e.textContent = text
  return e
}

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code)
  }
}

class Widget {
  private readonly s: Strings
  private saved: Saved | null
  private user: WidgetUser = {}
  private conversations: VisitorConversation[] = []
  private current: string | null = null
  private lastShown = ''
  private timer: ReturnType<typeof setInterval> | null = null
  private busy = false
  private topics: TopicChoice[] = []
  private topicsAsked = false
  private topic: string | null = null
  private csatKey = ''
  private readonly csatBox: HTMLElement
  private readonly root: ShadowRoot
  private readonly panel: HTMLElement
  private readonly launcher: HTMLButtonElement
  private readonly msgs: HTMLElement
  private readonly num: HTMLElement
  private readonly convs: HTMLElement
  private readonly select: HTMLSelectElement
  private readonly err: HTMLElement
  private readonly input: HTMLTextAreaElement
  private readonly sendBtn: HTMLButtonElement
  private readonly fileInput: HTMLInputElement

  constructor(
    private readonly base: string,
    private readonly inbox: string,
    lang: 'ru' | 'en',
    accent: string,
  ) {
    this.s = STRINGS[lang]
    this.saved = readSaved(this.storage()?.getItem(storageKey(inbox)) ?? null)
    const host = el('div')
    host.setAttribute('data-veche-widget', '')
    this.root = host.attachShadow({ mode: 'open' })
    const style = el('style')
    style.textContent = CSS
    host.style.setProperty('--vw-accent', accent)

    const launcher = (this.launcher = el('button', 'launcher'))
    launcher.type = 'button'
    launcher.title = this.s.open
    launcher.setAttribute('aria-label', this.s.open)
    launcher.setAttribute('data-testid', 'widget-launcher')
    launcher.innerHTML = CHAT_ICON
    launcher.addEventListener('click', () => this.toggle())

    this.panel = el('section', 'panel')
    this.panel.setAttribute('role', 'dialog')
    this.panel.setAttribute('aria-label', this.s.title)
    const header = el('header')
    const t = el('div', 't')
    t.append(el('h2', '', this.s.title))
    this.num = el('div', 'num')
    this.num.setAttribute('data-testid', 'widget-number')
    t.append(this.num)
    const close = el('button', '', '×')
    close.type = 'button'
    close.title = this.s.close
    close.setAttribute('aria-label', this.s.close)
    close.addEventListener('click', () => this.toggle(false))
    header.append(t, close)

    this.convs = el('div', 'convs')
    this.select = el('select')
    this.select.setAttribute('aria-label', this.s.history)
    this.select.setAttribute('data-testid', 'widget-history')
    this.select.addEventListener('change', () => {
      this.current = this.select.value
      this.lastShown = ''
      void this.refresh()
    })
    this.convs.append(this.select)

    this.msgs = el('div', 'msgs')
    this.msgs.setAttribute('data-testid', 'widget-messages')
    this.csatBox = el('div', 'csat')
    this.csatBox.setAttribute('data-testid', 'widget-csat')
    this.err = el('div', 'err')
    this.err.setAttribute('role', 'alert')
    const form = el('form')
    this.input = el('textarea')
    this.input.placeholder = this.s.placeholder
    this.input.setAttribute('aria-label', this.s.placeholder)
    this.input.setAttribute('data-testid', 'widget-input')
    this.input.maxLength = 10000
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault()
        void this.send()
      }
    })
    this.sendBtn = el('button', '', this.s.send)
    this.sendBtn.type = 'submit'
    this.sendBtn.setAttribute('data-testid', 'widget-send')
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      void this.send()
    })
    const attach = el('button', 'attach')
    attach.type = 'button'
    attach.title = this.s.attach
    attach.setAttribute('aria-label', this.s.attach)
    attach.setAttribute('data-testid', 'widget-attach')
    attach.innerHTML = CLIP_ICON
    this.fileInput = el('input')
    this.fileInput.type = 'file'
    this.fileInput.setAttribute('data-testid', 'widget-file')
    attach.addEventListener('click', () => this.fileInput.click())
    this.fileInput.addEventListener('change', () => {
      const f = this.fileInput.files?.[0]
      this.fileInput.value = ''
      if (f) void this.upload(f)
    })
    form.append(attach, this.fileInput, this.input, this.sendBtn)
    this.panel.append(header, this.convs, this.msgs, this.err, form)
    this.root.append(style, this.panel, launcher)
    document.body.append(host)
    this.renderMessages([])
  }

  setUser(u: WidgetUser): void {
    this.user = { ...u }
    const id = u.identifier ?? null
    if (this.saved && !usable(this.saved, id)) {
      // Another person signed in on this browser: their conversations are not the previous visitor's.
      this.saved = null
      this.storage()?.removeItem(storageKey(this.inbox))
      this.storage()?.removeItem(this.seenKey())
      this.conversations = []
      this.current = null
      this.lastShown = ''
      this.csatKey = ''
      this.showCsat({ kind: 'none' })
      this.renderMessages([])
      this.topicsAsked = false
      void this.loadTopics()
    }
  }

  toggle(open?: boolean): void {
    const show = open ?? !this.panel.classList.contains('open')
    this.panel.classList.toggle('open', show)
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    if (show) {
      this.launcher.classList.remove('unread')
      void this.refresh()
      void this.loadTopics()
      this.timer = setInterval(() => void this.refresh(), POLL_MS)
      this.input.focus()
    } else {
      this.timer = setInterval(() => {
        if (document.visibilityState === 'visible') void this.refresh()
      }, IDLE_MS)
    }
  }

  /** Closed, with the launcher marked if an answer came while the visitor was away. */
  start(): void {
    this.toggle(false)
    void this.refresh()
  }

  /** The desk's topics, once, when a visitor who has not written yet opens the panel (without them the picker stays away). */
  private async loadTopics(): Promise<void> {
    if (this.saved || this.topicsAsked || !this.panel.classList.contains('open')) return
    this.topicsAsked = true
    try {
      this.topics = (await this.call<{ topics: TopicChoice[] }>('GET', '/topics')).topics
    } catch {
      this.topics = []
    }
    this.lastShown = ''
    if (!this.saved) this.renderMessages([])
  }

  private picking(): boolean {
    return offersTopics(this.topics, !!this.saved && this.conversations.length > 0)
  }

  private seenKey(): string {
    return storageKey(this.inbox) + ':seen'
  }

  /** The newest message decides: an agent's one the visitor has not had open marks the launcher. */
  private noteLatest(list: VisitorMessage[]): void {
    const last = list[list.length - 1]
    if (!last) return
    if (this.panel.classList.contains('open')) {
      this.storage()?.setItem(this.seenKey(), last.id)
      this.launcher.classList.remove('unread')
    } else {
      const unread = last.from === 'agent' && last.id !== (this.storage()?.getItem(this.seenKey()) ?? '')
      this.launcher.classList.toggle('unread', unread)
    }
  }

  private storage(): Storage | null {
    try {
      return window.localStorage
    } catch {
      return null // storage disabled: the widget still works until the page is left
    }
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {}
    if (this.saved) headers.Authorization = 'Bearer ' + this.saved.token
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const r = await fetch(widgetUrl(this.base, path, this.inbox), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    })
    const data: unknown = await r.json().catch(() => ({}))
    if (!r.ok) throw new ApiFailure(r.status, errorCode(data))
    return data as T
  }

  private async refresh(): Promise<void> {
    if (!this.saved || this.busy) return
    try {
      const list = await this.call<{ conversations: VisitorConversation[] }>('GET', '/conversations')
      this.conversations = list.conversations
      if (!this.current || !this.conversations.some((c) => c.id === this.current)) this.current = this.conversations[0]?.id ?? null
      this.renderHeader()
      if (!this.current) return
      const m = await this.call<{ messages: VisitorMessage[] }>('GET', `/conversations/${encodeURIComponent(this.current)}/messages`)
      this.renderMessages(m.messages)
      this.noteLatest(m.messages)
      await this.loadCsat()
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 401) this.forget()
    }
  }

  /** The rating card of the current conversation: read when it becomes resolved (so a reload shows it too). */
  private async loadCsat(): Promise<void> {
    const c = this.conversations.find((x) => x.id === this.current)
    const key = c ? `${c.id}|${c.status}` : ''
    if (key === this.csatKey) return
    if (!c || c.status !== 'resolved') {
      this.csatKey = key
      this.showCsat({ kind: 'none' })
      return
    }
    const answer = await this.call<{ requested: boolean; csat: { rating: number | null } | null }>(
      'GET',
      `/conversations/${encodeURIComponent(c.id)}/csat`,
    )
    if (this.current !== c.id) return
    this.csatKey = key
    this.showCsat(csatView(c.status, answer))
  }

  private showCsat(v: CsatView): void {
    this.csatBox.classList.toggle('shown', v.kind !== 'none')
    this.csatBox.classList.toggle('thanks', v.kind === 'thanks')
    this.csatBox.setAttribute('data-state', v.kind)
    if (v.kind === 'none') this.csatBox.replaceChildren()
    else if (v.kind === 'thanks') this.csatBox.replaceChildren(...thanksCard(this.s, v.rating))
    else this.csatBox.replaceChildren(...ratingCard(this.s, (rating, comment) => this.rate(rating, comment)))
    // The card closes the conversation's stream: the visitor sees it under the last answer.
    if (v.kind !== 'none') this.msgs.scrollTop = this.msgs.scrollHeight
  }

  /** One rating per conversation: a second one (another tab rated first) shows the thanks for that one. */
  private async rate(rating: number, comment: string): Promise<void> {
    const id = this.current
    if (!id) return
    try {
      await this.call('POST', '/csat', { conversation_id: id, rating, ...(comment ? { comment } : {}) })
      this.showCsat({ kind: 'thanks', rating })
    } catch (e) {
      if (e instanceof ApiFailure && e.code === 'csat_already_rated') {
        this.csatKey = ''
        await this.loadCsat().catch(() => {})
        return
      }
      throw e instanceof ApiFailure && e.code === 'rate_limited' ? this.s.limited : this.s.csatFailed
    }
  }

  /** The token stopped working (the inbox now demands verification, the server forgot it). */
  private forget(): void {
    this.saved = null
    this.storage()?.removeItem(storageKey(this.inbox))
    this.storage()?.removeItem(this.seenKey())
    this.conversations = []
    this.current = null
    this.csatKey = ''
    this.showCsat({ kind: 'none' })
    this.renderHeader()
    this.topicsAsked = false
    void this.loadTopics()
  }

  private async send(): Promise<void> {
    const text = this.input.value.trim()
    if (!text || this.busy) return
    // Picking a topic is an offer, not a gate: without one the conversation goes to the inbox's team.
    const picking = this.picking()
    this.busy = true
    this.sendBtn.disabled = true
    this.err.textContent = ''
    try {
      const u = this.user
      const body: Record<string, unknown> = { inbox: this.inbox, text }
      if (u.name) body.name = u.name
      if (u.email) body.email = u.email
      if (u.identifier && u.identifier_hash) {
        body.identifier = u.identifier
        body.identifier_hash = u.identifier_hash
      }
      if (this.current && this.current !== this.conversations[0]?.id) body.conversation_id = this.current
      if (picking && this.topic) body.topic_id = this.topic
      const r = await this.call<{ conversation: VisitorConversation; visitor_token?: string }>('POST', '/messages', body)
      if (r.visitor_token) {
        this.saved = { token: r.visitor_token, identifier: u.identifier_hash ? (u.identifier ?? null) : null }
        this.storage()?.setItem(storageKey(this.inbox), JSON.stringify(this.saved))
      }
      this.current = r.conversation.id
      this.input.value = ''
      this.busy = false
      await this.refresh()
    } catch (e) {
      const code = e instanceof ApiFailure ? e.code : ''
      this.err.textContent =
        code === 'identity_unverified' ? this.s.unverified : code === 'rate_limited' ? this.s.limited : this.s.failed
    } finally {
      this.busy = false
      this.sendBtn.disabled = false
    }
  }

  /** A file into the current conversation (there must be one: the first message starts it). */
  private async upload(file: File): Promise<void> {
    this.err.textContent = ''
    if (!this.saved || !this.current) {
      this.err.textContent = this.s.writeFirst
      return
    }
    if (file.size > MAX_FILE_BYTES) {
      this.err.textContent = this.s.tooLarge
      return
    }
    if (this.busy) return
    this.busy = true
    try {
      const path = `/conversations/${encodeURIComponent(this.current)}/files?name=${encodeURIComponent(file.name)}`
      const r = await fetch(widgetUrl(this.base, path, this.inbox), {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + this.saved.token, 'Content-Type': 'application/octet-stream' },
        body: file,
        credentials: 'omit',
      })
      if (!r.ok) throw new ApiFailure(r.status, errorCode(await r.json().catch(() => ({}))))
      this.busy = false
      await this.refresh()
    } catch (e) {
      this.err.textContent = e instanceof ApiFailure && e.status === 413 ? this.s.tooLarge : this.s.failed
    } finally {
      this.busy = false
    }
  }

  /** Downloads go through fetch: the visitor token is a header, which a plain link cannot send. */
  private async download(f: VisitorFile): Promise<void> {
    if (!this.saved) return
    try {
      const r = await fetch(widgetUrl(this.base, `/files/${encodeURIComponent(f.id)}`, this.inbox), {
        headers: { Authorization: 'Bearer ' + this.saved.token },
        credentials: 'omit',
      })
      if (!r.ok) throw new Error(String(r.status))
      const url = URL.createObjectURL(await r.blob())
      const a = el('a')
      a.href = url
      a.download = f.name
      this.root.append(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch {
      this.err.textContent = this.s.failed
    }
  }

  private renderHeader(): void {
    const c = this.conversations.find((x) => x.id === this.current)
    this.num.textContent = c ? `${this.s.ticket.replace('{number}', c.number)} · ${this.s.statuses[c.status] ?? c.status}` : ''
    this.convs.classList.toggle('shown', this.conversations.length > 1)
    this.select.replaceChildren(
      ...this.conversations.map((x, i) => {
        const o = el('option', '', `${x.number} · ${new Date(x.created_at).toLocaleDateString()}${i === 0 ? ' — ' + this.s.newest : ''}`)
        o.value = x.id
        o.selected = x.id === this.current
        return o
      }),
    )
  }

  private renderMessages(list: VisitorMessage[]): void {
    const key = (this.current ?? '') + '|' + list.map((m) => m.id).join(',')
    if (key === this.lastShown && list.length) return
    this.lastShown = key
    const stick = this.msgs.scrollHeight - this.msgs.scrollTop - this.msgs.clientHeight < 40
    this.msgs.replaceChildren()
    if (!list.length) this.msgs.append(el('div', 'hint', this.s.greeting))
    if (!list.length && this.picking())
      this.msgs.append(
        topicPicker(this.s, this.topics, this.topic, (id) => {
          this.topic = id
          this.err.textContent = ''
          this.input.focus()
        }),
      )
    for (const m of list) {
      const b = el('div', 'msg ' + m.from)
      b.setAttribute('data-from', m.from)
      b.append(el('span', 'who', m.from === 'visitor' ? this.s.you : this.s.agent), document.createTextNode(m.text))
      for (const f of m.files ?? []) {
        const link = el('button', 'file', `📎 ${f.name} (${fileSize(f.size)})`)
        link.type = 'button'
        link.setAttribute('data-testid', 'widget-file-link')
        link.addEventListener('click', () => void this.download(f))
        b.append(link)
      }
      this.msgs.append(b)
    }
    this.msgs.append(this.csatBox)
    if (stick || list.length) this.msgs.scrollTop = this.msgs.scrollHeight
  }
}

declare global {
  interface Window {
    VecheWidget?: {
      setUser(u: WidgetUser): void
      open(): void
      close(): void
      /** Calls made before the script loaded (`window.VecheWidget = {q: [["setUser", {...}]]}`). */
      q?: [string, unknown][]
    }
  }
}

function boot(): void {
  const script = document.currentScript as HTMLScriptElement | null
  const inbox = script?.dataset.inbox
  if (!script || !inbox) {
    console.warn('Veche widget: the script tag needs data-inbox="<inbox token>"')
    return
  }
  const base = new URL(script.src, location.href).origin
  const lang = pickLang(script.dataset.lang, navigator.language)
  const accent = /^#[0-9a-fA-F]{3,8}$/.test(script.dataset.color ?? '') ? script.dataset.color! : '#4f46e5'
  const start = () => {
    const w = new Widget(base, inbox, lang, accent)
    const queued = window.VecheWidget?.q ?? []
    window.VecheWidget = { setUser: (u) => w.setUser(u), open: () => w.toggle(true), close: () => w.toggle(false) }
    for (const [fn, arg] of queued) if (fn === 'setUser') w.setUser(arg as WidgetUser)
    w.start()
    document.dispatchEvent(new CustomEvent('veche-widget:ready'))
  }
  if (document.body) start()
  else document.addEventListener('DOMContentLoaded', start, { once: true })
}

boot()
