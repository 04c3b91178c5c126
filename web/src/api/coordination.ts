// Financing coordination (小微企业融资协调工作机制): 走访 records of the government and 推荐清单 (the
// government pushes an open need to institutions, each accepts or declines), typed from the OpenAPI
// document.
import { api } from './client'
import type { Need } from './needs'
import type { components, paths } from './schema'
import type { CreditRecord, Page } from './models'

type Schemas = components['schemas']

/** A visit as the API answers it (the schema marks its output fields optional; they are always sent). */
export type Visit = Required<Schemas['Visit']>
export type VisitInput = Schemas['VisitCreate']
export type VisitQuery = NonNullable<paths['/api/v1/visits']['get']['parameters']['query']>

export type PushStatus = NonNullable<Schemas['Push']['status']>

/** A push with its need; the institution also gets the enterprise's credit record (or why not). */
export type Push = Required<Omit<Schemas['Push'], 'need' | 'credit_record' | 'status'>> & {
  status: PushStatus
  need: Need
  credit_record?: CreditRecord | null
}

/** A list's filters ('' is no filter: the client leaves empty values out of the query). */
export type PushQuery = Omit<NonNullable<paths['/api/v1/needs/pushes']['get']['parameters']['query']>, 'status'> & {
  status?: PushStatus | ''
}

export const coordinationApi = {
  /** Government: its region and below; admin: all. */
  visits: (query: VisitQuery) => api.get<Page<Visit>>('/visits', { ...query }),
  recordVisit: (body: VisitInput) => api.post<Visit>('/visits', body),
  /** The whole filtered list as .xlsx or .csv (the page of the screen does not narrow it). */
  exportVisits: (query: Omit<VisitQuery, 'page' | 'per_page' | 'after'> & { format: 'xlsx' | 'csv' }) =>
    api.download('/visits/export', { ...query }),

  /** 推荐清单: the institution its own pushes; government those of needs in its region and below. */
  pushes: (query: PushQuery) => api.get<Page<Push>>('/needs/pushes', { ...query }),
  /** The pushes of one need, with each institution's answer (government, admin). */
  needPushes: (needId: number) => api.get<Page<Push>>(`/needs/${needId}/pushes`, { per_page: 100 }),
  /** One push per institution named. */
  push: (needId: number, body: { institution_ids: number[]; note: string | null }) =>
    api.post<{ items: Push[] }>(`/needs/${needId}/pushes`, body),
  /** The institution takes the need with one of its products: a submitted order (source push). */
  acceptPush: (id: number, productId: number) => api.post<Push>(`/needs/pushes/${id}/accept`, { product_id: productId }),
  declinePush: (id: number, reason: string) => api.post<Push>(`/needs/pushes/${id}/decline`, { reason }),
}
