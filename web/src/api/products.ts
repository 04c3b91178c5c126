import { api } from './client'
import type { Page, Product, ProductInput, ProductStatus } from './models'

export interface MineQuery {
  status?: ProductStatus | ''
  q?: string
  page?: number
  per_page?: number
}

export const productsApi = {
  mine: (query: MineQuery) => api.get<Page<Product>>('/products/mine', { ...query }),
  get: (id: number) => api.get<Product>(`/products/${id}`),
  create: (body: ProductInput) => api.post<Product>('/products', body),
  update: (id: number, body: Partial<ProductInput>) => api.patch<Product>(`/products/${id}`, body),
  disable: (id: number) => api.post<Product>(`/products/${id}/disable`),
  enable: (id: number) => api.post<Product>(`/products/${id}/enable`),
}
