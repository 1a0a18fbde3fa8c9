// Search snippets: the server marks matched words with U+E000 … U+E001 inside plain text.

/** Escape search snippet text as HTML, then turn the server's U+E000/U+E001 marks into <mark>. */
export function highlightSnippet(snippet: string): string {
  const escaped = snippet
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
  let open = false
  let out = escaped.replace(/[\uE000\uE001]/g, (c) => {
    if (c === '\uE000' && !open) {
      open = true
      return '<mark>'
    }
    if (c === '\uE001' && open) {
      open = false
      return '</mark>'
    }
    return ''
  })
  if (open) out += '</mark>'
  return out
}
