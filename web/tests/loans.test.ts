import { describe, expect, it } from 'vitest'

import { wan } from '../src/utils/format'
import { rowLabel } from '../src/utils/importReport'
import {
  type ScheduleItem, nextInstalment, owed, repaymentProblems, scheduleSummary, subtract, suggestedRepayment, total, unpaid,
} from '../src/utils/loans'

function item(no: number, principal: number, interest: number, paid: [number, number] = [0, 0], status = 'due'): ScheduleItem {
  return { no, due_on: `2027-0${no}-15`, principal, interest, paid_principal: paid[0], paid_interest: paid[1], status }
}

describe('amounts to the yuan', () => {
  it('adds and subtracts 4-decimal amounts without binary fractions', () => {
    expect(subtract(0.3, 0.1)).toBe(0.2)
    expect(total([0.1, 0.2])).toBe(0.3)
    expect(total([1.0001, 2.0002, 0.0411])).toBe(3.0414)
    expect(subtract(12, 11.9999)).toBe(0.0001)
  })

  it('writes an instalment amount with its 4 decimals where asked', () => {
    expect(wan(0.0411, true)).toBe('0.0411')
    expect(wan(0.0411)).toBe('0.04')
    expect(wan(12345.5, true)).toBe('12,345.5')
  })
})

describe('what a schedule still asks', () => {
  const schedule = [
    item(1, 1, 0.05, [1, 0.05], 'paid'),
    item(2, 1, 0.0459, [0.4, 0], 'overdue'),
    item(3, 1, 0.0411, [0, 0], 'overdue'),
    item(4, 1, 0.0406),
  ]

  it('is each instalment less what was paid', () => {
    expect(unpaid(schedule[1])).toEqual({ principal: 0.6, interest: 0.0459, total: 0.6459 })
    expect(unpaid(schedule[0]).total).toBe(0)
  })

  it('is due next at the oldest instalment not paid in full', () => {
    expect(nextInstalment(schedule)?.no).toBe(2)
    expect(nextInstalment([schedule[0]])).toBeNull()
  })

  it('is at most the outstanding principal and the unpaid scheduled interest', () => {
    expect(owed(schedule)).toEqual({ principal: 2.6, interest: 0.1276 })
  })

  it('suggests paying every late instalment, else the next one, else nothing', () => {
    expect(suggestedRepayment(schedule)).toEqual({ principal: 1.6, interest: 0.087 })
    expect(suggestedRepayment([schedule[0], schedule[3]])).toEqual({ principal: 1, interest: 0.0406 })
    expect(suggestedRepayment([schedule[0]])).toEqual({ principal: 0, interest: 0 })
  })

  it('says how many instalments are paid', () => {
    expect(scheduleSummary(schedule)).toBe('共 4 期，已还清 1 期')
  })
})

describe('the 登记还款 form', () => {
  const fine = { paid_on: '2027-01-15', principal: 1, interest: 0.05, reference: 'HX001' }

  it('may be sent when every field is filled in', () => {
    expect(repaymentProblems(fine)).toEqual({})
    expect(repaymentProblems({ ...fine, principal: 0 })).toEqual({})
  })

  it('names each missing or wrong field in Chinese', () => {
    expect(repaymentProblems({ paid_on: '', principal: undefined, interest: -1, reference: '  ' })).toEqual({
      paid_on: '请选择还款日期',
      principal: '请输入金额（没有则填 0）',
      interest: '金额应在 0 到 100000000 万元之间',
      reference: '请填写还款流水号',
    })
    expect(repaymentProblems({ ...fine, principal: 1.00001 }).principal).toBe('金额最多 4 位小数（精确到元）')
    expect(repaymentProblems({ ...fine, reference: 'x'.repeat(65) }).reference).toBe('还款流水号最多 64 个字符')
  })

  it('refuses a repayment of nothing', () => {
    expect(repaymentProblems({ ...fine, principal: 0, interest: 0 })).toEqual({ principal: '本金与利息不能都为 0' })
  })
})

describe('an import error report', () => {
  it('names a bad row by its line, else by its place', () => {
    expect(rowLabel({ index: 0, line: 2 })).toBe('第 2 行')
    expect(rowLabel({ index: 4 })).toBe('第 5 条')
    expect(rowLabel({ index: null })).toBe('—')
  })
})
