// The administration console's API (auth-service's /admin/*): regions, institutions and their users,
// government users, logs, enterprise verification.
import { api } from './client'
import type { Filters, QueryOf } from './models'
import type {
  AuditLog, EnterpriseVerification, Institution, InstitutionInput, LoginLog, ManagedUser, Page, Region,
} from './models'

export type PageQuery = Pick<QueryOf<'/api/v1/admin/users'>, 'page' | 'per_page'>
export type InstitutionQuery = Filters<QueryOf<'/api/v1/admin/institutions'>>
export type UserQuery = Filters<QueryOf<'/api/v1/admin/users'>>
export type AuditLogQuery = Filters<QueryOf<'/api/v1/admin/audit-logs'>>
export type LoginLogQuery = Filters<QueryOf<'/api/v1/admin/login-logs'>>
export type VerificationQuery = Filters<QueryOf<'/api/v1/admin/enterprise-verifications'>>

export const adminApi = {
  createRegion: (body: { code: string; name: string; parent_code: string | null }) =>
    api.post<Region>('/admin/regions', body),

  institutions: (query: InstitutionQuery) => api.get<Page<Institution>>('/admin/institutions', { ...query }),
  createInstitution: (body: InstitutionInput) => api.post<Institution>('/admin/institutions', body),
  updateInstitution: (id: number, body: Partial<InstitutionInput>) => api.patch<Institution>(`/admin/institutions/${id}`, body),
  disableInstitution: (id: number) => api.post<Institution>(`/admin/institutions/${id}/disable`),
  enableInstitution: (id: number) => api.post<Institution>(`/admin/institutions/${id}/enable`),
  createInstitutionUser: (id: number, body: { phone: string; name: string }) =>
    api.post<ManagedUser>(`/admin/institutions/${id}/users`, body),

  createGovernmentUser: (body: { phone: string; name: string; region_code: string }) =>
    api.post<ManagedUser>('/admin/government-users', body),
  users: (query: UserQuery) => api.get<Page<ManagedUser>>('/admin/users', { ...query }),
  disableUser: (id: number) => api.post<ManagedUser>(`/admin/users/${id}/disable`),
  enableUser: (id: number) => api.post<ManagedUser>(`/admin/users/${id}/enable`),
  resetPassword: (id: number) => api.post<ManagedUser>(`/admin/users/${id}/reset-password`),

  auditLogs: (query: AuditLogQuery) => api.get<Page<AuditLog>>('/admin/audit-logs', { ...query }),
  loginLogs: (query: LoginLogQuery) => api.get<Page<LoginLog>>('/admin/login-logs', { ...query }),

  verifications: (query: VerificationQuery) =>
    api.get<Page<EnterpriseVerification>>('/admin/enterprise-verifications', { ...query }),
  verificationFile: (id: number, kind: 'licence' | 'authorization_letter') =>
    api.download(`/admin/enterprise-verifications/${id}/files/${kind}`),
  approveVerification: (id: number) =>
    api.post<EnterpriseVerification>(`/admin/enterprise-verifications/${id}/approve`),
  rejectVerification: (id: number, reason: string) =>
    api.post<EnterpriseVerification>(`/admin/enterprise-verifications/${id}/reject`, { reason }),
}
