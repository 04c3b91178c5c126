import { api } from './client'
import type { AuthorizationText, Page, WhitelistEntry } from './types'

export const creditApi = {
  whitelist: (query: { region_code?: string; q?: string; page?: number; per_page?: number }) =>
    api.get<Page<WhitelistEntry>>('/credit/whitelist', { ...query }),
  /** The current credit-data authorization (授权书) an application consents to (public). */
  authorizationText: () => api.request<AuthorizationText>('GET', '/credit/authorization-text', { auth: false }),
}
