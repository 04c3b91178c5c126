// 事件订阅: a government user's or an admin's webhooks (notification-service).
import { api } from './client'
import type { Page, Webhook, WebhookDelivery } from './models'

export const webhooksApi = {
  list: (query: { page?: number; per_page?: number }) => api.get<Page<Webhook>>('/webhooks', { ...query }),
  create: (body: { url: string; event_types: string[]; description: string }) =>
    api.post<Webhook & { secret: string }>('/webhooks', body),
  remove: (id: number) => api.delete<void>(`/webhooks/${id}`),
  deliveries: (id: number, query: { status?: string; page?: number; per_page?: number }) =>
    api.get<Page<WebhookDelivery>>(`/webhooks/${id}/deliveries`, { ...query }),
  redeliver: (id: number, deliveryId: number) =>
    api.post<WebhookDelivery>(`/webhooks/${id}/deliveries/${deliveryId}/redeliver`),
}
