import { describe, expect, it } from 'vitest'

import { subsidyAudience, subsidyRule } from '@/utils/subsidies'
import { emptyProgram, programBody, programProblems, subsidyApprovalProblem } from '@/views/instruments/programForm'

function filled() {
  return {
    ...emptyProgram('411000'),
    name: '许昌市首贷贴息', share_percent: 50, budget: 100, cap_per_enterprise: 2,
    loans: ['2026-01-01', '2026-12-31'], apply_until: '2027-06-30',
  }
}

describe('programProblems', () => {
  it('has none for a complete form, and its body carries the chosen rule only', () => {
    expect(programProblems(filled())).toEqual({})
    expect(programBody(filled())).toMatchObject({ share_percent: 50, rate_points: null, loans_from: '2026-01-01', loans_to: '2026-12-31' })
    const points = { ...filled(), kind: 'points' as const, rate_points: 1.5 }
    expect(programProblems(points)).toEqual({})
    expect(programBody(points)).toMatchObject({ share_percent: null, rate_points: 1.5 })
  })

  it('checks the chosen rule and only it', () => {
    expect(Object.keys(programProblems({ ...filled(), kind: 'points' }))).toEqual(['rate_points'])
    expect(programProblems({ ...filled(), share_percent: 120 }).share_percent).toContain('不超过 100')
    expect(programProblems({ ...filled(), kind: 'points', rate_points: 40 }).rate_points).toContain('不超过 36')
    expect(programProblems({ ...filled(), kind: 'points', rate_points: 1.555 }).rate_points).toContain('2 位小数')
  })

  it('names each missing field, a cap above the budget and a deadline before the loans', () => {
    expect(Object.keys(programProblems({ ...filled(), name: ' ', budget: null, loans: [] })).sort()).toEqual(['budget', 'loans', 'name'])
    expect(programProblems({ ...filled(), cap_per_enterprise: 200 }).cap_per_enterprise).toContain('不能超过项目预算')
    expect(programProblems({ ...filled(), apply_until: '2025-12-31' }).apply_until).toContain('不能早于')
  })
})

describe('subsidyApprovalProblem', () => {
  it('takes an empty amount (the computed one) or one up to the computed amount', () => {
    expect(subsidyApprovalProblem(null, 0.2)).toBeNull()
    expect(subsidyApprovalProblem(0.2, 0.2)).toBeNull()
    expect(subsidyApprovalProblem(0.2001, 0.2)).toBe('核准金额不能超过测算金额 0.2 万元')
    expect(subsidyApprovalProblem(0, 0.2)).toBe('请填写核准金额')
  })
})

describe('the programme in words', () => {
  it('says its rule and whom it takes', () => {
    expect(subsidyRule({ share_percent: 50, rate_points: null })).toBe('按实付利息的 50%')
    expect(subsidyRule({ share_percent: null, rate_points: 1.5 })).toBe('贴息 1.5 个百分点（年化）')
    expect(subsidyAudience({ first_loan_only: true, whitelisted_only: true })).toBe('仅限首贷、仅限白名单企业')
    expect(subsidyAudience({ first_loan_only: false, whitelisted_only: false })).toBe('不限')
  })
})
