// 申请入驻: institutions not yet on the platform apply (public); the admin and government review.
import { api } from './client'
import type { components } from './schema'
import type { Filters, QueryOf } from './models'
import type { InstitutionApplication, Me, Page } from './models'

export type ApplicationQuery = Filters<QueryOf<'/api/v1/admin/institution-applications'>>
export type ApplicationInput = components['schemas']['InstitutionApplicationCreate']

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
  list: (query: ApplicationQuery) =>
    api.get<Page<InstitutionApplication>>('/admin/institution-applications', { ...query }),
  approve: (id: number) => api.post<ApplicationDecision>(`/admin/institution-applications/${id}/approve`, {}),
  reject: (id: number, reason: string) =>
    api.post<InstitutionApplication>(`/admin/institution-applications/${id}/reject`, { reason }),
}
