import { api } from './client'
import type { Filters, QueryOf } from './models'
import type {
  AuthorizationText, AuthorizationTextInput, CreditAuthorization, CreditRecord, Dispute, OwnAccessLog,
  Page, PublishedAuthorizationText, WhitelistEntry,
} from './models'

export type PageQuery = Pick<QueryOf<'/api/v1/credit/disputes'>, 'page' | 'per_page'>

export const creditApi = {
  whitelist: (query: Filters<QueryOf<'/api/v1/credit/whitelist'>>) =>
    api.get<Page<WhitelistEntry>>('/credit/whitelist', { ...query }),
  /** The current credit-data authorization (授权书) an application consents to (public). */
  authorizationText: () => api.request<AuthorizationText>('GET', '/credit/authorization-text', { auth: false }),

  // --- the enterprise's own credit and its rights (403 enterprise_unverified until verified)
  myRecord: () => api.get<CreditRecord>('/credit/me'),
  myDisputes: (query: Filters<QueryOf<'/api/v1/credit/me/disputes'>>) => api.get<Page<Dispute>>('/credit/me/disputes', { ...query }),
  openDispute: (body: { record_id: number; reason: string; contact: string }) => api.post<Dispute>('/credit/me/disputes', body),
  myAuthorizations: (query: PageQuery) => api.get<Page<CreditAuthorization>>('/credit/me/authorizations', { ...query }),
  revokeAuthorization: (id: string) =>
    api.post<CreditAuthorization>(`/credit/me/authorizations/${encodeURIComponent(id)}/revoke`),
  myAccessLogs: (query: PageQuery) => api.get<Page<OwnAccessLog>>('/credit/me/access-logs', { ...query }),

  // --- reviewers (admin: all; government: its region and below)
  disputes: (query: Filters<QueryOf<'/api/v1/credit/disputes'>>) => api.get<Page<Dispute>>('/credit/disputes', { ...query }),
  decideDispute: (id: number, body: { decision: 'uphold' | 'reject'; note: string | null }) =>
    api.post<Dispute>(`/credit/disputes/${id}/decide`, body),

  // --- the authorization texts (admin)
  authorizationTexts: (query: PageQuery) =>
    api.get<Page<PublishedAuthorizationText>>('/admin/credit/authorization-texts', { ...query }),
  publishAuthorizationText: (body: AuthorizationTextInput) =>
    api.post<PublishedAuthorizationText>('/admin/credit/authorization-texts', body),
}
