import { describe, expect, it } from 'vitest'

import type { AuthorizationText } from '../src/api/models'
import {
  authorizationTextBody, checkValidDays, decisionBody, decisionNoteProblem, disputeBody, draftFrom, sameAsCurrent,
} from '../src/views/credit/creditForms'

const CURRENT: AuthorizationText = {
  version: 3,
  text: '本企业同意平台向所申请产品的金融机构提供本企业信用信息，仅用于本次融资审核。',
  data_categories: ['registration', 'credit_records'],
  purpose: '融资申请审核',
  valid_days: 365,
  digest: 'sha256:0f3a',
  published_at: '2026-03-01T08:00:00+08:00',
}

describe('提出异议', () => {
  it('sends the record and the trimmed reason and contact', () => {
    expect(disputeBody(7, { reason: '  处罚已撤销 ', contact: ' 王建国 13912345678 ' }))
      .toEqual({ record_id: 7, reason: '处罚已撤销', contact: '王建国 13912345678' })
  })
})

describe('处理异议', () => {
  it('a rejection must say why; an upheld dispute may go without a note', () => {
    expect(decisionNoteProblem('reject', '   ')).toBe('驳回异议须说明理由（企业将看到）')
    expect(decisionNoteProblem('reject', '记录属实')).toBeNull()
    expect(decisionNoteProblem('uphold', '')).toBeNull()
    expect(decisionNoteProblem('uphold', 'x'.repeat(2001))).toBe('最多 2000 个字')
  })

  it('a blank note is sent as none', () => {
    expect(decisionBody('uphold', '  ')).toEqual({ decision: 'uphold', note: null })
    expect(decisionBody('reject', ' 记录属实 ')).toEqual({ decision: 'reject', note: '记录属实' })
  })
})

describe('发布新版授权书', () => {
  it('drafts from the current version without sharing its list', () => {
    const draft = draftFrom(CURRENT)
    draft.data_categories.push('whitelist')
    expect(CURRENT.data_categories).toEqual(['registration', 'credit_records'])
    expect(draftFrom(null)).toEqual({ text: '', data_categories: [], purpose: '', valid_days: 365 })
  })

  it('knows a draft that says nothing new (blanks and the order of categories aside)', () => {
    const draft = draftFrom(CURRENT)
    expect(sameAsCurrent(draft, CURRENT)).toBe(true)
    expect(sameAsCurrent({ ...draft, text: ` ${draft.text} `, data_categories: ['credit_records', 'registration'] }, CURRENT)).toBe(true)
    expect(sameAsCurrent({ ...draft, valid_days: 180 }, CURRENT)).toBe(false)
    expect(sameAsCurrent({ ...draft, data_categories: ['registration'] }, CURRENT)).toBe(false)
    expect(sameAsCurrent(draft, null)).toBe(false)
  })

  it('valid days are a whole number from 1 to 3650', () => {
    expect(checkValidDays(365)).toBeNull()
    expect(checkValidDays(undefined)).toBe('请输入有效天数')
    expect(checkValidDays(0)).toBe('有效天数应为 1 到 3650 之间的整数')
    expect(checkValidDays(1.5)).toBe('有效天数应为 1 到 3650 之间的整数')
    expect(checkValidDays(3651)).toBe('有效天数应为 1 到 3650 之间的整数')
  })

  it('sends trimmed text and a number of days', () => {
    expect(authorizationTextBody({ ...draftFrom(CURRENT), purpose: ' 融资审核 ', valid_days: 180 }))
      .toEqual({ text: CURRENT.text, data_categories: ['registration', 'credit_records'], purpose: '融资审核', valid_days: 180 })
  })
})
