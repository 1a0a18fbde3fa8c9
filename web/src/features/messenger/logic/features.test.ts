import { describe, expect, it } from 'vitest'
import { mentionsUser } from './chatList'
import { highlightSnippet } from './snippet'
import { addTyping, pruneTyping, removeTyping, shouldSendTyping, TYPING_SHOW_MS, typingIn } from './typing'

describe('search snippets', () => {
  it('escapes the text before adding <mark>', () => {
    expect(highlightSnippet('<b>x</b> \uE000договора\uE001 & "y"')).toBe('&lt;b&gt;x&lt;/b&gt; <mark>договора</mark> &amp; &quot;y&quot;')
  })
  it('never lets markup through the marks', () => {
    const html = highlightSnippet('\uE000<img src=x onerror=alert(1)>\uE001')
    expect(html).toBe('<mark>&lt;img src=x onerror=alert(1)&gt;</mark>')
    expect(html).not.toContain('<img')
  })
  it('balances stray or unclosed marks', () => {
    expect(highlightSnippet('a\uE001b')).toBe('ab')
    expect(highlightSnippet('\uE000a')).toBe('<mark>a</mark>')
    expect(highlightSnippet('\uE000a\uE001 и \uE000b\uE001')).toBe('<mark>a</mark> и <mark>b</mark>')
  })
})

describe('typing indicator', () => {
  it('shows a typer for about 5 s after the last frame', () => {
    let s = addTyping(new Map(), 'c1', 'u1', 1000)
    expect(typingIn(s, 'c1', 1000)).toEqual(['u1'])
    expect(typingIn(s, 'c1', 1000 + TYPING_SHOW_MS - 1)).toEqual(['u1'])
    expect(typingIn(s, 'c1', 1000 + TYPING_SHOW_MS)).toEqual([])
    s = addTyping(s, 'c1', 'u1', 4000) // a new frame extends it
    expect(typingIn(s, 'c1', 1000 + TYPING_SHOW_MS + 100)).toEqual(['u1'])
    expect(pruneTyping(s, 4000 + TYPING_SHOW_MS).size).toBe(0)
  })
  it('keeps chats apart, excludes me, and clears on post', () => {
    let s = addTyping(new Map(), 'c1', 'u1', 0)
    s = addTyping(s, 'c1', 'me', 0)
    s = addTyping(s, 'c2', 'u2', 0)
    expect(typingIn(s, 'c1', 10, 'me')).toEqual(['u1'])
    expect(typingIn(s, 'c2', 10)).toEqual(['u2'])
    s = removeTyping(s, 'c1', 'u1')
    expect(typingIn(s, 'c1', 10, 'me')).toEqual([])
    const same = pruneTyping(s, 10)
    expect(same).toBe(s)
  })
  it('sends our own frames at most every 2 s', () => {
    expect(shouldSendTyping(undefined, 0)).toBe(true)
    expect(shouldSendTyping(0, 1999)).toBe(false)
    expect(shouldSendTyping(0, 2000)).toBe(true)
  })
})

describe('mentions', () => {
  // The server reads the names (Message.mentions); the client only compares them with its user.
  it('counts a message whose server-read names include us or channel/all/here', () => {
    expect(mentionsUser({ mentions: ['alice'] }, 'alice')).toBe(true)
    expect(mentionsUser({ mentions: ['bob', 'alice'] }, 'Alice')).toBe(true)
    expect(mentionsUser({ mentions: ['alicia'] }, 'alice')).toBe(false)
    expect(mentionsUser({ mentions: ['here'] }, 'alice')).toBe(true)
    expect(mentionsUser({ mentions: ['all'] }, 'alice')).toBe(true)
    expect(mentionsUser({ mentions: ['channel'] }, undefined)).toBe(true)
  })
  it('never parses the text itself', () => {
    // "привет@alice" is no mention for the server, so the field is empty and the badge stays.
    expect(mentionsUser({ mentions: [] }, 'alice')).toBe(false)
    expect(mentionsUser({}, 'alice')).toBe(false)
  })
})
