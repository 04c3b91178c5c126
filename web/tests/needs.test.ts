import { describe, expect, it } from 'vitest'

import { regionPath } from '../src/stores/regions'
import { emptyNeed, needBody, checkValidDays } from '../src/views/enterprise/needForm'
import { claimChoices, claimProblems, type ClaimProduct } from '../src/components/form/claimFit'

const REGIONS = [
  { code: '411000', name: '许昌市', parent_code: null },
  { code: '411002', name: '魏都区', parent_code: '411000' },
  { code: '411003', name: '建安区', parent_code: '411000' },
]

function product(overrides: Partial<ClaimProduct> = {}): ClaimProduct {
  return { id: 1, name: '信易贷', amount_min: 10, amount_max: 300, term_min_months: 6, term_max_months: 36,
    region_codes: ['411000'], whitelist_only: false, ...overrides }
}

describe('the need form', () => {
  it('sends numbers, a trimmed purpose, each guarantee method once and the consented version', () => {
    const model = { ...emptyNeed(), amount: '120.5', term_months: '12', purpose: '  采购原材料 ',
      guarantee_methods: ['credit', 'pledge', 'credit'] as ('credit' | 'pledge')[], agreed: true }
    expect(needBody(model, 3)).toEqual({ amount: 120.5, term_months: 12, purpose: '采购原材料',
      guarantee_methods: ['credit', 'pledge'], valid_days: 30, credit_authorization: { version: 3 } })
  })

  it('falls back to 30 valid days when the field was emptied', () => {
    expect(needBody({ ...emptyNeed(), valid_days: undefined, amount: '1', term_months: '1' }, 1).valid_days).toBe(30)
  })

  it('accepts 1 to 90 whole valid days only', () => {
    expect(checkValidDays(1)).toBeNull()
    expect(checkValidDays(90)).toBeNull()
    for (const bad of [0, 91, 1.5, '', undefined]) expect(checkValidDays(bad)).toBe('有效天数应在 1 到 90 天之间')
  })
})

describe('choosing a product to claim a need with', () => {
  const need = { amount: 100, term_months: 12, whitelisted: false }
  const weidu = regionPath(REGIONS, '411002')

  it('knows a district lies in its city', () => {
    expect(weidu).toEqual(['411002', '411000'])
    expect(regionPath(REGIONS, '999999')).toEqual(['999999'])
  })

  it('finds nothing wrong with a product that fits', () => {
    expect(claimProblems(product(), need, weidu)).toEqual([])
  })

  it('says why a product does not fit', () => {
    expect(claimProblems(product({ amount_max: 50, term_min_months: 24 }), need, weidu)).toEqual([
      '额度 10–50 万元不含 100 万元', '期限 24–36 个月不含 12 个月'])
    expect(claimProblems(product({ region_codes: ['411003'] }), need, weidu)).toEqual(['不服务该企业所在地区'])
    expect(claimProblems(product({ whitelist_only: true }), need, weidu)).toEqual(['白名单专属产品，该企业不在白名单'])
    expect(claimProblems(product({ whitelist_only: true }), { ...need, whitelisted: true }, weidu)).toEqual([])
  })

  it('offers the products that fit first, keeping their order', () => {
    const products = [product({ id: 1, amount_max: 50 }), product({ id: 2 }), product({ id: 3 })]
    expect(claimChoices(products, need, weidu).map((c) => [c.product.id, c.problems.length])).toEqual([[2, 0], [3, 0], [1, 1]])
  })
})
