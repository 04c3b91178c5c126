import { describe, expect, it } from 'vitest'

import { approvalProblem, emptyFund, evidenceProblem, fundBody, fundProblems } from '@/views/instruments/fundForm'

function filled() {
  return {
    ...emptyFund('411000'),
    name: '许昌市普惠小微风险补偿资金池', budget: 100, share_percent: 30, cap_per_loan: 5,
    loans: ['2026-01-01', '2026-12-31'], claims_until: '2027-12-31',
  }
}

describe('fundProblems', () => {
  it('has none for a complete form, and its body carries the date range as two dates', () => {
    expect(fundProblems(filled())).toEqual({})
    expect(fundBody(filled())).toMatchObject({ loans_from: '2026-01-01', loans_to: '2026-12-31', budget: 100, institution_types: ['bank'] })
  })

  it('names each missing field and only those', () => {
    const problems = fundProblems({ ...filled(), budget: null, loans: [] })
    expect(Object.keys(problems).sort()).toEqual(['budget', 'loans'])
  })

  it('rejects a share above 100 or with three decimals, and a cap above the budget', () => {
    expect(fundProblems({ ...filled(), share_percent: 120 }).share_percent).toContain('不超过 100')
    expect(fundProblems({ ...filled(), share_percent: 30.125 }).share_percent).toContain('2 位小数')
    expect(fundProblems({ ...filled(), cap_per_loan: 200 }).cap_per_loan).toContain('不能超过资金规模')
  })

  it('wants at least one institution type and a claims deadline not before the loans', () => {
    expect(fundProblems({ ...filled(), institution_types: [] }).institution_types).toBeTruthy()
    expect(fundProblems({ ...filled(), claims_until: '2025-12-31' }).claims_until).toContain('不能早于')
  })
})

describe('approvalProblem', () => {
  it('accepts an amount up to the limit and refuses one above it', () => {
    expect(approvalProblem(3, 3)).toBeNull()
    expect(approvalProblem(3.0001, 3)).toContain('不能超过')
    expect(approvalProblem(null, 3)).toBe('请填写核准金额')
  })
})

describe('evidenceProblem', () => {
  it('wants one to ten images or PDFs of at most 5 MB', () => {
    expect(evidenceProblem([])).toBe('请上传证明材料')
    expect(evidenceProblem([{ type: 'application/pdf', size: 1000 }])).toBeNull()
    expect(evidenceProblem([{ type: 'text/plain', size: 10 }])).toContain('JPEG')
    expect(evidenceProblem([{ type: 'image/png', size: 6 * 1024 * 1024 }])).toContain('5 MB')
    expect(evidenceProblem(Array(11).fill({ type: 'image/png', size: 1 }))).toContain('最多 10 个')
  })
})
