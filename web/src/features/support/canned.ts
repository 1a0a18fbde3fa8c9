// Canned replies in the reply box: typing `/` and a short code opens a filtered list; choosing one
// replaces the `/code` with the reply's text, its variables filled in. Pure helpers.
import type { CannedReply } from './types'

export interface CannedContext {
  contactName?: string
  contactEmail?: string
  conversationNumber?: string
  agentName?: string
}

/** The `/code` being typed just before the caret: it starts a line or follows whitespace and holds no
 *  whitespace itself. `start` is the index of the `/`. */
export function slashQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret)
  const m = /(^|\s)\/([^\s/]*)$/.exec(before)
  if (!m) return null
  const query = m[2] ?? ''
  return { start: caret - query.length - 1, query }
}

const VARIABLES: Record<string, keyof CannedContext> = {
  'contact.name': 'contactName',
  'contact.email': 'contactEmail',
  'conversation.number': 'conversationNumber',
  'agent.name': 'agentName',
}

/** `{{contact.name}}`, `{{contact.email}}`, `{{conversation.number}}`, `{{agent.name}}` filled in
 *  (spaces inside the braces allowed); an unknown variable stays as written, a known one without a
 *  value becomes empty. */
export function fillVariables(content: string, ctx: CannedContext): string {
  return content.replace(/\{\{\s*([a-z_.]+)\s*\}\}/g, (whole, name: string) => {
    const key = VARIABLES[name]
    if (!key) return whole
    return ctx[key]?.trim() ?? ''
  })
}

/** The replies matching a query: short-code prefix first, then short-code substring, then content
 *  (the server's order); at most `limit`. */
export function matchCanned(list: readonly CannedReply[], query: string, limit = 8): CannedReply[] {
  const q = query.toLowerCase()
  const rank = (r: CannedReply): number => {
    const code = r.short_code.toLowerCase()
    if (code.startsWith(q)) return 0
    if (code.includes(q)) return 1
    if (r.content.toLowerCase().includes(q)) return 2
    return 3
  }
  return list
    .map((r) => ({ r, k: rank(r) }))
    .filter((x) => x.k < 3)
    .sort((a, b) => a.k - b.k || a.r.short_code.localeCompare(b.r.short_code))
    .slice(0, limit)
    .map((x) => x.r)
}

/** The text with `/query` (from `start` to the caret) replaced by the filled reply, and the caret after it. */
export function insertCanned(text: string, start: number, caret: number, filled: string): { text: string; caret: number } {
  return { text: text.slice(0, start) + filled + text.slice(caret), caret: start + filled.length }
}
