// The public portal: headline figures, the financial supermarket (金融超市) and product details.
import { api } from './client'
import type { MarketProduct, Page, PortalFigures } from './models'

export type MarketSort = 'newest' | 'rate_asc' | 'amount_desc' | 'popular'

export interface MarketQuery {
  region_code?: string
  featured?: boolean
  category?: string
  guarantee_method?: string
  amount?: number
  term_months?: number
  institution_id?: number
  q?: string
  sort?: MarketSort
  per_page?: number
  after?: string
}

export const portalApi = {
  figures: () => api.request<PortalFigures>('GET', '/portal/figures', { auth: false }),
  market: (query: MarketQuery) =>
    api.request<Page<MarketProduct>>('GET', '/market/products', { query: { ...query }, auth: false }),
  product: (id: number) => api.request<MarketProduct>('GET', `/products/${id}`, { auth: false }),
}
