// Supervision (government and admin): statistics, scorecards, exports, 督办, credit data and its
// access log.
import { api } from './client'
import type { Filters, QueryOf } from './models'
import type {
  CreditAccessLog, CreditRecord, ImportResult, Order, OrderStats, Page, Scorecard,
} from './models'

export type StatsQuery = Filters<QueryOf<'/api/v1/orders/stats'>>
export type SupervisedOrderQuery = Filters<QueryOf<'/api/v1/orders'>>
export type AccessLogQuery = Filters<QueryOf<'/api/v1/credit/access-logs'>>

export const supervisionApi = {
  stats: (query: StatsQuery) => api.get<OrderStats>('/orders/stats', { ...query }),
  scorecards: (query: Omit<StatsQuery, 'group_by'>) =>
    api.get<{ items: Scorecard[] }>('/orders/scorecards', { ...query }),
  orders: (query: SupervisedOrderQuery) => api.get<Page<Order>>('/orders', { ...query }),
  /** The whole filtered list (the page of the screen does not narrow it). */
  exportOrders: (query: Omit<SupervisedOrderQuery, 'page' | 'per_page'> & { format: 'xlsx' | 'csv' }) =>
    api.download('/orders/export', { ...query }),
  exportStats: (query: StatsQuery & { format: 'xlsx' | 'csv' }) => api.download('/orders/stats/export', { ...query }),
  urge: (id: number, message: string) => api.post<Order>(`/orders/${id}/urge`, { message }),

  creditRecord: (uscc: string) => api.get<CreditRecord>(`/credit/enterprises/${encodeURIComponent(uscc)}`),
  /** CSV files in a multipart form (one field per kind), or one JSON batch file as the body. */
  importCredit: (body: FormData | Blob, onProgress: (sent: number) => void) =>
    api.upload<ImportResult>('/credit/imports', body, onProgress),
  accessLogs: (query: AccessLogQuery) => api.get<Page<CreditAccessLog>>('/credit/access-logs', { ...query }),
}

/** Saves a downloaded file under its name (the server's, else `fallback`). */
export function saveFile(file: { blob: Blob; filename: string | null }, fallback: string): void {
  const url = URL.createObjectURL(file.blob)
  const link = document.createElement('a')
  link.href = url
  link.download = file.filename ?? fallback
  document.body.appendChild(link)
  link.click()
  link.remove()
  // The click has handed the blob to the browser's download; the URL is not needed after this turn.
  window.setTimeout(() => URL.revokeObjectURL(url), 1000)
}
