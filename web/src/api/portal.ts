// The public portal: headline figures, the financial supermarket (金融超市) and product details.
import { api } from './client'
import type { Filters, QueryOf } from './models'
import type { MarketProduct, Page, PortalFigures } from './models'


export type MarketQuery = Filters<QueryOf<'/api/v1/market/products'>>
export type MarketSort = NonNullable<MarketQuery['sort']>

export const portalApi = {
  figures: () => api.request<PortalFigures>('GET', '/portal/figures', { auth: false }),
  market: (query: MarketQuery) =>
    api.request<Page<MarketProduct>>('GET', '/market/products', { query: { ...query }, auth: false }),
  product: (id: number) => api.request<MarketProduct>('GET', `/products/${id}`, { auth: false }),
}
