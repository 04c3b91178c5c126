// 推荐清单 (the government's side): which institutions a need may be pushed to — those with a product
// on offer serving the enterprise's region, as the financial supermarket lists them — and the checks
// of the choice. The server decides (422 institution_unavailable, 409 already_pushed); this only offers.
import type { MarketProduct } from '@/api/models'

export const MAX_PUSH_INSTITUTIONS = 20

export interface PushCandidate {
  id: number
  name: string
  /** Its products serving the region, by name. */
  products: string[]
  /** Already pushed this need (not offered again). */
  pushed: boolean
}

/** The institutions behind `products`, each once with its products, by name; those in `pushedTo` marked. */
export function pushCandidates(products: Pick<MarketProduct, 'institution_id' | 'institution_name' | 'name'>[],
  pushedTo: number[] = []): PushCandidate[] {
  const byId = new Map<number, PushCandidate>()
  for (const product of products) {
    const candidate = byId.get(product.institution_id)
      ?? { id: product.institution_id, name: product.institution_name, products: [], pushed: pushedTo.includes(product.institution_id) }
    if (!candidate.products.includes(product.name)) candidate.products.push(product.name)
    byId.set(product.institution_id, candidate)
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
}

/** Null when `ids` may be sent, else the Chinese message. */
export function checkPushChoice(ids: number[]): string | null {
  if (!ids.length) return '请至少选择一家金融机构'
  return ids.length > MAX_PUSH_INSTITUTIONS ? `一次最多推送给 ${MAX_PUSH_INSTITUTIONS} 家机构` : null
}
