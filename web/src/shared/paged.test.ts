import { describe, expect, it } from 'vitest'
import { appendPage, usePagedList, type Page } from './paged'

type Row = { id: string }
const rows = (...ids: string[]): Row[] => ids.map((id) => ({ id }))

function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

describe('paged lists', () => {
  it('appends a page without showing an item twice', () => {
    expect(appendPage(rows('9', '8'), rows('8', '7')).map((r) => r.id)).toEqual(['9', '8', '7'])
  })

  it('loads the first page, then the next one before the cursor, until there is none', async () => {
    const asked: (string | undefined)[] = []
    const pages: Record<string, Page<Row>> = { first: { items: rows('3', '2'), next_before: '2' }, '2': { items: rows('1') } }
    const list = usePagedList<Row>(async (before) => (asked.push(before), pages[before ?? 'first']))
    expect(list.status.value).toBe('loading')
    await list.load()
    expect(list.status.value).toBe('ready')
    expect(list.next.value).toBe('2')
    await list.loadMore()
    expect(list.items.value.map((r) => r.id)).toEqual(['3', '2', '1'])
    expect(list.next.value).toBeNull()
    await list.loadMore()
    expect(asked).toEqual([undefined, '2'])
  })

  it('throws away an answer that a newer load overtook', async () => {
    const slow = deferred<Page<Row>>()
    let n = 0
    const list = usePagedList<Row>(() => (++n === 1 ? slow.promise : Promise.resolve({ items: rows('new') })))
    const first = list.load()
    await list.load()
    slow.resolve({ items: rows('old'), next_before: 'old' })
    await first
    expect(list.items.value.map((r) => r.id)).toEqual(['new'])
    expect(list.next.value).toBeNull()
  })

  it('reloads quietly: a shown list keeps its ready state until the new page arrives', async () => {
    const slow = deferred<Page<Row>>()
    let n = 0
    const list = usePagedList<Row>(() => (++n === 2 ? slow.promise : Promise.resolve({ items: rows(String(n)) })))
    await list.reload() // nothing shown yet: loading as usual
    expect(list.items.value.map((r) => r.id)).toEqual(['1'])
    const quiet = list.reload()
    expect(list.status.value).toBe('ready')
    slow.resolve({ items: rows('2') })
    await quiet
    expect(list.items.value.map((r) => r.id)).toEqual(['2'])
    const loud = list.load()
    expect(list.status.value).toBe('loading')
    await loud
    expect(list.status.value).toBe('ready')
  })

  it('shows the error state when the first page fails, and keeps the list when a later one does', async () => {
    let fail = true
    const list = usePagedList<Row>(async (before) => {
      if (fail) throw new Error('offline')
      return before ? Promise.reject(new Error('offline')) : { items: rows('2'), next_before: '2' }
    })
    await list.load()
    expect(list.status.value).toBe('error')
    fail = false
    await list.load()
    await list.loadMore()
    expect(list.status.value).toBe('ready')
    expect(list.items.value.map((r) => r.id)).toEqual(['2'])
    expect(list.more.value).toBe(false)
  })
})
