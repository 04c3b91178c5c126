import { api } from './client'
import type { components } from './schema'

type Schemas = components['schemas']
import type { Filters, QueryOf } from './models'
import type { Order, OrderDetails, Page } from './models'

export type OrderQuery = Filters<QueryOf<'/api/v1/orders'>>

export const ordersApi = {
  list: (query: OrderQuery) => api.get<Page<Order>>('/orders', { ...query }),
  get: (id: number) => api.get<OrderDetails>(`/orders/${id}`),
  accept: (id: number) => api.post<Order>(`/orders/${id}/accept`, {}),
  terminate: (id: number, reason: string) => api.post<Order>(`/orders/${id}/terminate`, { reason }),
  grant: (id: number, body: Schemas['Grant']) =>
    api.post<Order>(`/orders/${id}/grant`, body),
  /** `repayment_method`: one the product offers (default its first); `renewal`: 续贷. */
  disburse: (id: number, body: Schemas['Disburse']) =>
    api.post<Order>(`/orders/${id}/disburse`, body),
  /** 退回补正: the institution names what is missing; the order waits for the enterprise. */
  returnOrder: (id: number, body: { reason: string; items: string[] }) => api.post<Order>(`/orders/${id}/return`, body),
  /** The enterprise sends a returned order back, with a note for the institution. */
  resubmit: (id: number, note: string | null) => api.post<Order>(`/orders/${id}/resubmit`, { note }),
  /** An enterprise applies (立即申请), consenting to the authorization text of `version`. */
  create: (body: OrderInput) => api.post<Order>('/orders', body),
  withdraw: (id: number) => api.post<Order>(`/orders/${id}/withdraw`, {}),
}

/** An application; `credit_authorized` is the older form of `credit_authorization` (the server defaults it). */
export type OrderInput = Omit<Schemas['OrderCreate'], 'credit_authorized'> & Partial<Pick<Schemas['OrderCreate'], 'credit_authorized'>>
