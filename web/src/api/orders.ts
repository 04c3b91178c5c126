import { api } from './client'
import type { Order, OrderDetails, Page } from './types'

export interface OrderQuery {
  status?: string
  risk_level?: string
  whitelisted?: string
  overdue?: string
  q?: string
  page?: number
  per_page?: number
}

export const ordersApi = {
  list: (query: OrderQuery) => api.get<Page<Order>>('/orders', { ...query }),
  get: (id: number) => api.get<OrderDetails>(`/orders/${id}`),
  accept: (id: number) => api.post<Order>(`/orders/${id}/accept`, {}),
  terminate: (id: number, reason: string) => api.post<Order>(`/orders/${id}/terminate`, { reason }),
  grant: (id: number, body: { amount: number; rate: number; term_months: number }) =>
    api.post<Order>(`/orders/${id}/grant`, body),
  disburse: (id: number, body: { amount: number; disbursed_on: string }) =>
    api.post<Order>(`/orders/${id}/disburse`, body),
  /** An enterprise applies (立即申请), consenting to the authorization text of `version`. */
  create: (body: OrderInput) => api.post<Order>('/orders', body),
  withdraw: (id: number) => api.post<Order>(`/orders/${id}/withdraw`, {}),
}

export interface OrderInput {
  product_id: number
  amount: number
  term_months: number
  purpose: string
  contact_name?: string
  contact_phone?: string
  credit_authorization: { version: number }
}
