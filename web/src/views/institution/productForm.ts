// The product form's model, rules and the change set a PATCH sends (only what the user changed).
import type { FormRules } from 'element-plus'

import type { Product, ProductInput } from '@/api/models'
import { checkAmount, checkChosen, checkLength, checkRange, checkRate, checkTerm, rule } from '@/utils/validation'

export interface ProductModel {
  name: string
  category: string
  guarantee_methods: string[]
  repayment_methods: string[]
  amount_min: number | undefined
  amount_max: number | undefined
  term_min_months: number | undefined
  term_max_months: number | undefined
  rate_min: number | undefined
  rate_max: number | undefined
  target_customers: string
  requirements: string
  features: string
  description: string
  featured: boolean
  region_codes: string[]
}

export function emptyProduct(): ProductModel {
  return {
    name: '', category: 'loan', guarantee_methods: [], repayment_methods: [],
    amount_min: undefined, amount_max: undefined, term_min_months: undefined, term_max_months: undefined,
    rate_min: undefined, rate_max: undefined, target_customers: '', requirements: '', features: '',
    description: '', featured: false, region_codes: [],
  }
}

export function modelOf(product: Product): ProductModel {
  const model = emptyProduct()
  for (const key of Object.keys(model) as (keyof ProductModel)[]) {
    const value = product[key]
    ;(model as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value
  }
  return model
}

export function productRules(model: ProductModel): FormRules {
  const range = (min: keyof ProductModel, max: keyof ProductModel, label: string) =>
    rule(() => checkRange(model[min], model[max], label))
  return {
    name: [rule(checkLength(2, 100))],
    category: [rule(checkLength(1, 20))],
    guarantee_methods: [rule(checkChosen)],
    repayment_methods: [rule(checkChosen)],
    amount_min: [rule(checkAmount)],
    amount_max: [rule(checkAmount), range('amount_min', 'amount_max', '金额')],
    term_min_months: [rule(checkTerm)],
    term_max_months: [rule(checkTerm), range('term_min_months', 'term_max_months', '期限')],
    rate_min: [rule(checkRate)],
    rate_max: [rule(checkRate), range('rate_min', 'rate_max', '利率')],
    target_customers: [rule(checkLength(0, 500), false)],
    requirements: [rule(checkLength(0, 5000), false)],
    features: [rule(checkLength(0, 1000), false)],
    description: [rule(checkLength(0, 10000), false)],
    region_codes: [rule((value) => (Array.isArray(value) && value.length > 0 ? null : '至少选择一个服务区域'))],
  }
}

export function inputOf(model: ProductModel): ProductInput {
  return { ...model, name: model.name.trim() } as ProductInput
}

/** The fields whose value differs from the stored product: a partial update. */
export function changesOf(model: ProductModel, stored: Product): Partial<ProductInput> {
  const input = inputOf(model) as unknown as Record<string, unknown>
  const changes: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (JSON.stringify(value) !== JSON.stringify((stored as unknown as Record<string, unknown>)[key])) changes[key] = value
  }
  return changes as Partial<ProductInput>
}
