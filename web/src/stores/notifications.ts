// The unread count behind the header's badge, shared by the list page that changes it.
import { defineStore } from 'pinia'
import { ref } from 'vue'

import { notificationsApi } from '@/api/notifications'

export const useNotificationsStore = defineStore('notifications', () => {
  const unread = ref(0)

  async function refreshCount(): Promise<void> {
    try {
      unread.value = (await notificationsApi.unreadCount()).unread
    } catch {
      // The badge is a hint: a failed count keeps the last one rather than interrupting the page.
    }
  }

  return { unread, refreshCount }
})
