// 政策资讯: the portal's policies, the enterprise's recommended ones, and the government's 政策发布.
import { api } from './client'
import type { Filters, QueryOf } from './models'
import type { Page } from './models'

type Schemas = import('./schema').components['schemas']
type Full<T> = { [K in keyof T]-?: T[K] }

export type PolicyLink = Full<Schemas['PolicyLinkOut']>
export type PolicyLinkType = PolicyLink['type']
export type PolicyTags = Full<Schemas['PolicyTagsOut']>
export type Policy = Full<Omit<Schemas['Policy'], 'tags' | 'links'>> & { tags: PolicyTags; links: PolicyLink[] }
export type PolicyStatus = Policy['status']
export type PolicyInput = Schemas['PolicyCreate']
export interface PolicyRecommendation {
  policy: Policy
  reasons: string[]
}

export type PolicyQuery = Filters<QueryOf<'/api/v1/policies/managed'>>

export const policiesApi = {
  // The portal's: public, asked without a session (a visitor has none).
  list: (query: PolicyQuery) => api.request<Page<Policy>>('GET', '/policies', { query: { ...query }, auth: false }),
  get: (id: number) => api.request<Policy>('GET', `/policies/${id}`, { auth: false }),
  recommended: (query: { page?: number; per_page?: number } = {}) =>
    api.get<Page<PolicyRecommendation>>('/policies/recommended', { ...query }),
  managed: (query: PolicyQuery) => api.get<Page<Policy>>('/policies/managed', { ...query }),
  create: (body: PolicyInput) => api.post<Policy>('/policies', body),
  update: (id: number, body: Partial<PolicyInput>) => api.patch<Policy>(`/policies/${id}`, body),
  withdraw: (id: number) => api.post<Policy>(`/policies/${id}/withdraw`),
}
