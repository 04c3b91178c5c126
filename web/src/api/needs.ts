// Financing needs (融资需求发布 / 抢单) and recommendations (为我推荐), typed from the OpenAPI document.
import { api } from './client'
import type { components, paths } from './schema'
import type { MarketProduct, Order, Page, RiskLevel } from './models'

type Schemas = components['schemas']

export type NeedStatus = NonNullable<Schemas['Need']['status']>
export type GuaranteeMethod = NonNullable<Schemas['NeedCreate']['guarantee_methods']>[number]

/** A need as the API answers it (the schema marks its output fields optional; they are always sent). */
export type Need = Required<Omit<Schemas['Need'], 'risk' | 'status'>> & {
  status: NeedStatus
  risk: { level: RiskLevel; tags: string[] }
}

export type NeedInput = Schemas['NeedCreate']

/** A product recommended for an amount and term, with its score and the reasons in Chinese. */
export type Recommendation = Required<Omit<Schemas['Recommendation'], 'product'>> & { product: MarketProduct }

/** A posted need and the products that best match it (up to 5). */
export type PostedNeed = Need & { matches: Recommendation[] }

export type NeedQuery = NonNullable<paths['/api/v1/needs']['get']['parameters']['query']>
export type RecommendationQuery = NonNullable<paths['/api/v1/market/recommendations']['get']['parameters']['query']>

export const needsApi = {
  /** Enterprise: its own; institution: open needs it may claim and those it claimed; government: its
   * region and below; admin: all. */
  list: (query: NeedQuery) => api.get<Page<Need>>('/needs', { ...query }),
  post: (body: NeedInput) => api.post<PostedNeed>('/needs', body),
  cancel: (id: number) => api.post<Need>(`/needs/${id}/cancel`, {}),
  /** 抢单: the new order, already accepted. */
  claim: (id: number, productId: number) => api.post<Order>(`/needs/${id}/claim`, { product_id: productId }),
  recommendations: (query: RecommendationQuery) =>
    api.get<Page<Recommendation>>('/market/recommendations', { ...query }),
}
