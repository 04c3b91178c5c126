import { api } from './client'
import type { Me, Region, TokenPair } from './models'

export type SmsPurpose = 'login' | 'register' | 'reset_password' | 'apply'

export interface PasswordPolicy {
  min_length?: number
  max_length?: number
  min_score?: number
  hints: string[]
}

export const authApi = {
  sendCode: (phone: string, purpose: SmsPurpose = 'login') =>
    api.request<{ expires_in: number; resend_after: number }>('POST', '/auth/sms-codes', {
      body: { phone, purpose },
      auth: false,
    }),
  login: (phone: string, password: string, smsCode: string) =>
    api.request<TokenPair>('POST', '/auth/login', { body: { phone, password, sms_code: smsCode }, auth: false }),
  logout: () => api.post<void>('/auth/logout'),
  me: () => api.get<Me>('/auth/me'),
  updateMe: (body: { name?: string; email?: string | null }) => api.patch<Me>('/auth/me', body),
  changePassword: (oldPassword: string, newPassword: string) =>
    api.post<TokenPair>('/auth/password', { old_password: oldPassword, new_password: newPassword }),
  passwordPolicy: (role: string) =>
    api.request<PasswordPolicy>('GET', '/auth/password-policy', { query: { role }, auth: false }),
  regions: () => api.request<{ items: Region[] }>('GET', '/regions', { auth: false }),
}
