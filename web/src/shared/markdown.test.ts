import { describe, expect, it } from 'vitest'
import { plainPreview, renderMarkdown } from './markdown'

describe('markdown', () => {
  it('renders formatting and links safely', () => {
    const html = renderMarkdown('**bold** _it_ `code` https://example.com')
    expect(html).toContain('<strong>bold</strong>')
    expect(html).toContain('<em>it</em>')
    expect(html).toContain('<code>code</code>')
    expect(html).toMatch(/<a href="https:\/\/example.com" target="_blank" rel="noopener noreferrer nofollow">/)
  })

  it('never passes raw HTML or script URLs through', () => {
    const html = renderMarkdown('<img src=x onerror=alert(1)> <script>alert(1)</script> [x](javascript:alert(1))')
    expect(html).not.toMatch(/<img|<script|href="javascript:/i)
    expect(html).toContain('&lt;script&gt;')
    const div = document.createElement('div')
    div.innerHTML = html
    expect(div.querySelectorAll('img, script, [onerror]').length).toBe(0)
  })

  it('highlights mentions', () => {
    expect(renderMarkdown('hi @alice')).toContain('<span class="mention">@alice</span>')
    expect(renderMarkdown('mail a@b.com')).not.toContain('mention')
  })

  it('makes one-line previews', () => {
    expect(plainPreview('**a**\n\n`b`  [c](http://x)')).toBe('a b c')
  })
})
