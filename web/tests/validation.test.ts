import { describe, expect, it } from 'vitest'

import type { Product } from '../src/api/models'
import { changesOf, emptyProduct, modelOf } from '../src/views/institution/productForm'
import {
  checkAmount, checkLength, checkPassword, checkPhone, checkRange, checkRate, checkSmsCode, checkTerm,
} from '../src/utils/validation'

describe('form checks mirror the API', () => {
  it('phones', () => {
    expect(checkPhone('13800000000')).toBeNull()
    expect(checkPhone('+8613800000000')).toBeNull()
    expect(checkPhone('12800000000')).toBe('请输入 11 位手机号')
    expect(checkPhone('1380000000')).not.toBeNull()
  })

  it('SMS codes', () => {
    expect(checkSmsCode('123456')).toBeNull()
    expect(checkSmsCode('12345a')).toBe('验证码为6位数字')
  })

  it('amounts in 万元: positive, at most 4 decimals, within the limit', () => {
    expect(checkAmount(0.0001)).toBeNull()
    expect(checkAmount(100_000_000)).toBeNull()
    expect(checkAmount(0)).toMatch('金额应大于 0')
    expect(checkAmount(100_000_001)).toMatch('金额应大于 0')
    expect(checkAmount(1.23456)).toBe('金额最多 4 位小数（精确到元）')
    expect(checkAmount(undefined)).toBe('请输入金额')
  })

  it('terms in whole months from 1 to 360', () => {
    expect(checkTerm(1)).toBeNull()
    expect(checkTerm(360)).toBeNull()
    expect(checkTerm(361)).toBe('期限应在 1 到 360 个月之间')
    expect(checkTerm(1.5)).toBe('期限应在 1 到 360 个月之间')
  })

  it('rates from 0 to 36 with at most 2 decimals', () => {
    expect(checkRate(0)).toBeNull()
    expect(checkRate(3.85)).toBeNull()
    expect(checkRate(36.01)).toBe('利率应在 0% 到 36% 之间')
    expect(checkRate(3.855)).toBe('利率最多 2 位小数')
  })

  it('ranges: min ≤ max, judged only once both ends are filled in', () => {
    expect(checkRange(10, 100, '金额')).toBeNull()
    expect(checkRange(10, 10, '金额')).toBeNull()
    expect(checkRange(100, 10, '金额')).toBe('金额的最小值不能大于最大值')
    expect(checkRange(undefined, 10, '金额')).toBeNull()
  })

  it('text lengths', () => {
    expect(checkLength(2, 100)('贷')).toBe('至少 2 个字')
    expect(checkLength(2, 5)('许昌科创贷款')).toBe('最多 5 个字')
    expect(checkLength(1, 5)('  ')).toBe('此项必填')
  })

  it('passwords: 8 or more with letters and digits', () => {
    expect(checkPassword('Xuchang2026')).toBeNull()
    expect(checkPassword('abc123')).toBe('密码长度至少 8 位')
    expect(checkPassword('abcdefgh')).toBe('密码须同时包含字母和数字')
  })
})

describe('editing a product sends only what changed', () => {
  const stored: Product = {
    ...(emptyProduct() as unknown as Product), id: 5, institution_id: 1, institution_name: '许昌银行', status: 'active',
    orders_count: 0, created_at: '', updated_at: '', name: '科创贷', guarantee_methods: ['credit'],
    repayment_methods: ['bullet'], amount_min: 10, amount_max: 500, term_min_months: 3, term_max_months: 36,
    rate_min: 3.5, rate_max: 6, region_codes: ['411002'],
  }

  it('nothing when nothing changed', () => {
    expect(changesOf(modelOf(stored), stored)).toEqual({})
  })

  it('the changed fields only', () => {
    const model = modelOf(stored)
    model.amount_max = 800
    model.region_codes.push('411003')
    model.name = ' 科创贷 '
    expect(changesOf(model, stored)).toEqual({ amount_max: 800, region_codes: ['411002', '411003'] })
    expect(stored.region_codes).toEqual(['411002'])
  })
})
