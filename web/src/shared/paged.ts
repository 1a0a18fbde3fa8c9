// A list the server pages newest first with `next_before` (jobs, objects, support conversations):
// the first page on load, the next on "more", duplicates dropped, and a stale answer (the filter
// changed while it was on its way) thrown away.
import { ref, type Ref } from 'vue'
import type { Id } from '@/api/types'
import { errorText } from '@/shared/errors'
import { toast } from '@/shared/toast'

export interface Page<T> {
  items: T[]
  next_before?: Id | null
}

/** `page` after `shown`, without the items already shown. */
export function appendPage<T extends { id: Id }>(shown: readonly T[], page: readonly T[]): T[] {
  const seen = new Set(shown.map((x) => x.id))
  return [...shown, ...page.filter((x) => !seen.has(x.id))]
}

export interface PagedList<T> {
  items: Ref<T[]>
  next: Ref<Id | null>
  status: Ref<'loading' | 'ready' | 'error'>
  more: Ref<boolean>
  /** The first page again (the filter changed, or on demand). */
  load: () => Promise<void>
  /** The same, but a list already shown stays on screen, without the loading state, until the new
   *  page replaces it (a refresh after a live event). */
  reload: () => Promise<void>
  /** The page after the last one shown; a failure is a toast, the list stays. */
  loadMore: () => Promise<void>
}

/** `fetch(before)` reads one page with the current filter; `before` is absent for the first. */
export function usePagedList<T extends { id: Id }>(fetch: (before?: Id) => Promise<Page<T>>): PagedList<T> {
  const items = ref<T[]>([]) as Ref<T[]>
  const next = ref<Id | null>(null)
  const status = ref<'loading' | 'ready' | 'error'>('loading')
  const more = ref(false)
  let seq = 0

  async function fetchFirst(quiet: boolean): Promise<void> {
    const my = ++seq
    if (!quiet || status.value !== 'ready') status.value = 'loading'
    try {
      const r = await fetch()
      if (my !== seq) return
      items.value = r.items
      next.value = r.next_before ?? null
      status.value = 'ready'
    } catch {
      if (my === seq) status.value = 'error'
    }
  }

  async function loadMore(): Promise<void> {
    if (!next.value || more.value) return
    const my = seq
    more.value = true
    try {
      const r = await fetch(next.value)
      if (my !== seq) return
      items.value = appendPage(items.value, r.items)
      next.value = r.next_before ?? null
    } catch (e) {
      toast(errorText(e), 'error')
    } finally {
      more.value = false
    }
  }

  return { items, next, status, more, load: () => fetchFirst(false), reload: () => fetchFirst(true), loadMore }
}
