import { api } from './client'
import type { Notification, Page } from './models'

export const notificationsApi = {
  list: (query: { unread?: boolean; page?: number; per_page?: number }) =>
    api.get<Page<Notification>>('/notifications', { ...query }),
  unreadCount: () => api.get<{ unread: number }>('/notifications/unread-count'),
  read: (id: number) => api.post<Notification>(`/notifications/${id}/read`),
  readAll: () => api.post<{ updated: number }>('/notifications/read-all'),
}
