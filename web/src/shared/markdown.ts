// Message text is markdown source from other users: render it with raw HTML disabled, then sanitize.
import MarkdownIt from 'markdown-it'
import DOMPurify from 'dompurify'

const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false })

// Links open in a new tab and never get the opener.
const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options))
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet('target', '_blank')
  tokens[idx].attrSet('rel', 'noopener noreferrer nofollow')
  return defaultLinkOpen(tokens, idx, options, env, self)
}

// Mentions: @name and @channel get a highlight (plain text transform after markdown).
const mentionRe = /(^|[\s(])@([a-z0-9._-]{2,32})\b/gi

const cache = new Map<string, string>()
const CACHE_MAX = 4000

export function renderMarkdown(text: string): string {
  const hit = cache.get(text)
  if (hit !== undefined) return hit
  let html = md.render(text)
  html = html.replace(/>([^<]+)</g, (_m, inner: string) =>
    '>' + inner.replace(mentionRe, '$1<span class="mention">@$2</span>') + '<',
  )
  const safe = DOMPurify.sanitize(html, {
    ALLOWED_TAGS: [
      'p', 'br', 'strong', 'em', 's', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'h1', 'h2',
      'h3', 'h4', 'h5', 'h6', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span',
    ],
    ALLOWED_ATTR: ['href', 'target', 'rel', 'class', 'start'],
    ALLOWED_URI_REGEXP: /^(?:https?|mailto|tel):/i,
  })
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string)
  cache.set(text, safe)
  return safe
}

/** One-line plain preview of markdown (chat list, notifications). */
export function plainPreview(text: string, max = 120): string {
  const s = text
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_~>#]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
  return s.length > max ? s.slice(0, max - 1) + '…' : s
}
