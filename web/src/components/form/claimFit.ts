// Which of the institution's own products may claim a need (抢单): a product fits when the need's amount
// and term are within its ranges, it serves the enterprise's region, and a whitelist-only product only
// for a whitelisted enterprise. The server decides; these hints only order the choice and say why a
// product would be refused before the user tries.
import type { Need } from '@/api/needs'
import type { MarketProduct } from '@/api/models'

export type ClaimProduct = Pick<MarketProduct, 'id' | 'name' | 'amount_min' | 'amount_max' | 'term_min_months' |
  'term_max_months' | 'region_codes' | 'whitelist_only'>
export type ClaimedNeed = Pick<Need, 'amount' | 'term_months' | 'whitelisted'>

/** Why `product` would not fit `need` (in Chinese), empty when it fits; `needRegions` is the need's
 * region and those above it. */
export function claimProblems(product: ClaimProduct, need: ClaimedNeed, needRegions: string[]): string[] {
  const problems: string[] = []
  if (need.amount < product.amount_min || need.amount > product.amount_max) {
    problems.push(`额度 ${product.amount_min}–${product.amount_max} 万元不含 ${need.amount} 万元`)
  }
  if (need.term_months < product.term_min_months || need.term_months > product.term_max_months) {
    problems.push(`期限 ${product.term_min_months}–${product.term_max_months} 个月不含 ${need.term_months} 个月`)
  }
  if (needRegions.length && !product.region_codes.some((code) => needRegions.includes(code))) {
    problems.push('不服务该企业所在地区')
  }
  if (product.whitelist_only && !need.whitelisted) problems.push('白名单专属产品，该企业不在白名单')
  return problems
}

export interface ClaimChoice<P extends ClaimProduct> {
  product: P
  problems: string[]
}

/** The products to choose from: those that fit first (in the given order), then the others with why. */
export function claimChoices<P extends ClaimProduct>(products: P[], need: ClaimedNeed, needRegions: string[]): ClaimChoice<P>[] {
  const choices = products.map((product) => ({ product, problems: claimProblems(product, need, needRegions) }))
  return [...choices.filter((c) => !c.problems.length), ...choices.filter((c) => c.problems.length)]
}
