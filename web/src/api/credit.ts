import { api } from './client'
import type { Page, WhitelistEntry } from './types'

export const creditApi = {
  whitelist: (query: { region_code?: string; q?: string; page?: number; per_page?: number }) =>
    api.get<Page<WhitelistEntry>>('/credit/whitelist', { ...query }),
}
