import { api } from './client'
import type { Filters, QueryOf } from './models'
import type { Page, Product, ProductInput } from './models'

export type MineQuery = Filters<QueryOf<'/api/v1/products/mine'>>

export const productsApi = {
  mine: (query: MineQuery) => api.get<Page<Product>>('/products/mine', { ...query }),
  get: (id: number) => api.get<Product>(`/products/${id}`),
  create: (body: ProductInput) => api.post<Product>('/products', body),
  update: (id: number, body: Partial<ProductInput>) => api.patch<Product>(`/products/${id}`, body),
  disable: (id: number) => api.post<Product>(`/products/${id}/disable`),
  enable: (id: number) => api.post<Product>(`/products/${id}/enable`),
}
