// 申请入驻: institutions not yet on the platform apply (public); the admin and government review.
import { api } from './client'
import type { InstitutionApplication, Me, Page } from './models'

export interface ApplicationInput {
  sms_code: string
  name: string
  type: string
  uscc: string
  region_code: string
  address: string
  contact_name: string
  contact_phone: string
  licence_no?: string | null
  description?: string | null
}

export interface ApplicationDecision {
  application: InstitutionApplication
  institution: { id: number; name: string }
  user: Me
}

export const applicationsApi = {
  submit: (body: ApplicationInput) =>
    api.request<InstitutionApplication>('POST', '/institution-applications', { body, auth: false }),
  status: (uscc: string, smsCode: string) =>
    api.request<Pick<InstitutionApplication, 'id' | 'name' | 'status' | 'reason' | 'created_at' | 'decided_at'>>(
      'GET', '/institution-applications/status', { query: { uscc, sms_code: smsCode }, auth: false }),
  list: (query: { status?: string; q?: string; page?: number; per_page?: number }) =>
    api.get<Page<InstitutionApplication>>('/admin/institution-applications', { ...query }),
  approve: (id: number) => api.post<ApplicationDecision>(`/admin/institution-applications/${id}/approve`, {}),
  reject: (id: number, reason: string) =>
    api.post<InstitutionApplication>(`/admin/institution-applications/${id}/reject`, { reason }),
}
