// Who is signed in. The tokens themselves stay inside the API client; this store holds the user.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { authApi } from '@/api/auth'
import { api } from '@/api/client'
import type { User } from '@/api/models'

export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null)
  let restoring: Promise<void> | null = null

  api.onUser = (next) => {
    user.value = next
  }

  const signedIn = computed(() => user.value !== null)
  const mustChangePassword = computed(() => user.value?.must_change_password === true)

  async function login(phone: string, password: string, smsCode: string): Promise<User> {
    const pair = await authApi.login(phone, password, smsCode)
    api.useTokens(pair)
    return pair.user
  }

  /** After a reload: the stored refresh token brings the session back, once. */
  function restore(): Promise<void> {
    if (user.value || !api.canRestore) return Promise.resolve()
    restoring ??= api
      .refresh()
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => {
        restoring = null
      })
    return restoring
  }

  async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
    // The answer is a fresh pair: every other session has just been ended by the server.
    api.useTokens(await authApi.changePassword(oldPassword, newPassword))
  }

  async function logout(): Promise<void> {
    try {
      if (api.signedIn) await authApi.logout()
    } finally {
      forget()
    }
  }

  function forget(): void {
    api.clear()
    user.value = null
  }

  return { user, signedIn, mustChangePassword, login, restore, changePassword, logout, forget }
})
