import { describe, expect, it } from 'vitest'

import { checkReturnItems, returnItems } from '../src/components/orders/returnForm'
import { countdown, daysLeft } from '../src/utils/deadline'
import { historyStepTitle, isUrge } from '../src/utils/orderHistory'
import { checkPushChoice, pushCandidates } from '../src/views/coordination/pushForm'
import { checkVisitedOn, emptyVisit, visitBody, visitProblems } from '../src/views/coordination/visitForm'

describe('the documents an order is returned for (退回补正)', () => {
  it('sends each item once, trimmed, blanks dropped, in the order chosen', () => {
    expect(returnItems([' 营业执照副本', '近一年财务报表', '营业执照副本 ', '  '])).toEqual(['营业执照副本', '近一年财务报表'])
  })

  it('asks for one to ten items of at most 50 characters', () => {
    expect(checkReturnItems(['营业执照副本'])).toBeNull()
    expect(checkReturnItems([])).toBe('请至少列出一项需补充的材料')
    expect(checkReturnItems([' '])).toBe('请至少列出一项需补充的材料')
    expect(checkReturnItems(undefined)).toBe('请至少列出一项需补充的材料')
    expect(checkReturnItems(Array.from({ length: 11 }, (_, i) => `材料${i}`))).toBe('最多列出 10 项材料')
    expect(checkReturnItems(['很'.repeat(51)])).toMatch(/^每项材料最多 50 个字/)
  })
})

describe("an order's history in words", () => {
  it('names the return and the resubmission, and an urge', () => {
    expect(historyStepTitle({ from_status: 'accepted', to_status: 'returned', actor_role: 'institution' })).toBe('退回补正')
    expect(historyStepTitle({ from_status: 'returned', to_status: 'submitted', actor_role: 'enterprise' })).toBe('补正后重新提交')
    expect(historyStepTitle({ from_status: 'returned', to_status: 'withdrawn', actor_role: 'enterprise' })).toBe('待补正 → 已撤回')
    const urge = { from_status: 'submitted', to_status: 'submitted', actor_role: 'government' }
    expect(isUrge(urge)).toBe(true)
    expect(historyStepTitle(urge)).toBe('督办')
  })

  it('writes other moves between their statuses, or the new status alone for the enterprise', () => {
    const step = { from_status: 'submitted', to_status: 'accepted', actor_role: 'institution' }
    expect(historyStepTitle(step)).toBe('待受理 → 已受理')
    expect(historyStepTitle(step, false)).toBe('已受理')
    expect(historyStepTitle({ from_status: null, to_status: 'submitted', actor_role: 'enterprise' })).toBe('待受理')
  })
})

describe('a due date counting down', () => {
  it('counts calendar days, across months and years', () => {
    expect(daysLeft('2026-12-05', '2026-12-05')).toBe(0)
    expect(daysLeft('2027-01-04', '2026-12-05')).toBe(30)
    expect(daysLeft('2026-12-01', '2026-12-05')).toBe(-4)
  })

  it('says how long is left, warns in the last three days and says how late', () => {
    expect(countdown('2026-12-20', '2026-12-05')).toEqual({ text: '还剩 15 天', type: 'success' })
    expect(countdown('2026-12-08', '2026-12-05')).toEqual({ text: '还剩 3 天', type: 'warning' })
    expect(countdown('2026-12-05', '2026-12-05')).toEqual({ text: '今天到期', type: 'danger' })
    expect(countdown('2026-12-02', '2026-12-05')).toEqual({ text: '已超期 3 天', type: 'danger' })
  })
})

describe('the visit form (走访登记)', () => {
  const good = { ...emptyVisit('2026-12-05'), uscc: ' 91350100m000100y43 ', enterprise_name: ' 许昌魏都制造有限公司 ',
    visitors: '市发改委 王强', findings: '原材料采购资金缺口约 200 万元' }

  it('starts on today and checks the code, the names, the date and the findings', () => {
    expect(visitProblems(good, '2026-12-05')).toEqual({})
    const problems = visitProblems({ ...emptyVisit('2026-12-05'), uscc: '91350100M000100Y44', visited_on: '2026-12-06' }, '2026-12-05')
    expect(Object.keys(problems).sort()).toEqual(['enterprise_name', 'findings', 'uscc', 'visited_on', 'visitors'])
    expect(problems.uscc).toBe('统一社会信用代码校验位不正确，请核对')
    expect(problems.visited_on).toBe('走访日期不能晚于今天')
  })

  it('takes today and earlier days only', () => {
    expect(checkVisitedOn('2026-12-05', '2026-12-05')).toBeNull()
    expect(checkVisitedOn('2026-11-30', '2026-12-05')).toBeNull()
    expect(checkVisitedOn('', '2026-12-05')).toBe('请选择走访日期')
  })

  it('sends trimmed text, the code in capitals and the region when chosen', () => {
    expect(visitBody(good)).toEqual({ uscc: '91350100M000100Y43', enterprise_name: '许昌魏都制造有限公司',
      visited_on: '2026-12-05', visitors: '市发改委 王强', findings: '原材料采购资金缺口约 200 万元', region_code: null })
    expect(visitBody({ ...good, region_code: '411002' }).region_code).toBe('411002')
  })
})

describe('the institutions a need may be pushed to (推荐清单)', () => {
  const products = [
    { institution_id: 2, institution_name: '中原银行许昌分行', name: '科创信用贷' },
    { institution_id: 1, institution_name: '许昌农商银行', name: '经营贷' },
    { institution_id: 2, institution_name: '中原银行许昌分行', name: '税易贷' },
    { institution_id: 2, institution_name: '中原银行许昌分行', name: '科创信用贷' },
  ]

  it('names each institution once with its products, in pinyin order of their names, and marks those already pushed', () => {
    expect(pushCandidates(products, [1])).toEqual([
      { id: 1, name: '许昌农商银行', products: ['经营贷'], pushed: true },
      { id: 2, name: '中原银行许昌分行', products: ['科创信用贷', '税易贷'], pushed: false },
    ])
    expect(pushCandidates([])).toEqual([])
  })

  it('pushes to one to twenty institutions', () => {
    expect(checkPushChoice([1])).toBeNull()
    expect(checkPushChoice([])).toBe('请至少选择一家金融机构')
    expect(checkPushChoice(Array.from({ length: 21 }, (_, i) => i + 1))).toBe('一次最多推送给 20 家机构')
  })
})
