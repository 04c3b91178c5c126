// A paged list behind a filter form: load, page, search from page 1.
import { reactive, ref, type Ref } from 'vue'

import type { Page } from '@/api/models'

import { showError } from './useFormErrors'

export interface PagedListOptions {
  /** Failures the page shows in its own way (kept in `error`, not toasted). */
  quiet?: (error: unknown) => boolean
}

export function usePagedList<T, F extends object>(fetchPage: (query: F & { page: number; per_page: number }) => Promise<Page<T>>, filters: F, perPage = 10, options: PagedListOptions = {}) {
  const items = ref([]) as Ref<T[]>
  /** The last load's failure (null once a load succeeds). */
  const error = ref<unknown>(null)
  const total = ref(0)
  const loading = ref(false)
  const paging = reactive({ page: 1, per_page: perPage })

  async function load(): Promise<void> {
    loading.value = true
    try {
      const answer = await fetchPage({ ...filters, ...paging })
      items.value = answer.items
      total.value = answer.total
      error.value = null
    } catch (failure) {
      error.value = failure
      if (!options.quiet?.(failure)) showError(failure)
    } finally {
      loading.value = false
    }
  }

  function search(): Promise<void> {
    paging.page = 1
    return load()
  }

  /** Shows page `page` (the pager's choice). */
  function turn(page: number): Promise<void> {
    paging.page = page
    return load()
  }

  /** Puts a changed row in place (an action answers with the whole updated object). */
  function replace(match: (item: T) => boolean, next: T): void {
    items.value = items.value.map((item) => (match(item) ? next : item))
  }

  return { items, total, loading, paging, error, load, search, turn, replace }
}

/** What usePagedList gives a view, as ListPage takes it. */
export type PagedList<T> = ReturnType<typeof usePagedList<T, object>>

