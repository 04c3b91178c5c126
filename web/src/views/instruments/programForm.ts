// The forms of the subsidy pages: the checks of a new programme (新建贴息项目) before it is sent, with
// exactly one rule (a share of the interest paid, or annual percentage points), and of an approval's
// amount. The server decides (422 with field errors, over_budget); this only says early what it would.
import type { ProgramInput } from '@/api/instruments'

import { amountProblem, approvalProblem, percentProblem } from './fundForm'

/** How the programme pays: 按实付利息比例 (share_percent) or 按年化百分点 (rate_points). */
export type SubsidyKind = 'share' | 'points'

export interface ProgramForm {
  name: string
  region_code: string
  kind: SubsidyKind
  share_percent: number | null
  rate_points: number | null
  first_loan_only: boolean
  whitelisted_only: boolean
  budget: number | null
  cap_per_enterprise: number | null
  /** [from, to] as YYYY-MM-DD, or empty. */
  loans: string[]
  apply_until: string
}

export function emptyProgram(region = ''): ProgramForm {
  return {
    name: '', region_code: region, kind: 'share', share_percent: null, rate_points: null, first_loan_only: false,
    whitelisted_only: false, budget: null, cap_per_enterprise: null, loans: [], apply_until: '',
  }
}

/** The most annual percentage points a programme may pay (the API's bound). */
export const MAX_RATE_POINTS = 36

/** The form's problems by field (the API's field names; `loans` for the loan date range). Only the
 * chosen rule's field is checked. */
export function programProblems(form: ProgramForm): Record<string, string> {
  const problems: Record<string, string | undefined> = {}
  if (!form.name.trim()) problems.name = '请填写项目名称'
  if (!form.region_code) problems.region_code = '请选择所属区域'
  if (form.kind === 'share') problems.share_percent = percentProblem(form.share_percent, '贴息比例')
  else problems.rate_points = percentProblem(form.rate_points, '贴息百分点', MAX_RATE_POINTS)
  problems.budget = amountProblem(form.budget, '项目预算')
  problems.cap_per_enterprise = amountProblem(form.cap_per_enterprise, '每户贴息上限')
  if (!problems.budget && !problems.cap_per_enterprise && Number(form.cap_per_enterprise) > Number(form.budget)) {
    problems.cap_per_enterprise = '每户贴息上限不能超过项目预算'
  }
  if (form.loans.length !== 2 || !form.loans[0] || !form.loans[1]) problems.loans = '请选择覆盖的放款日期范围'
  if (!form.apply_until) problems.apply_until = '请选择申请截止日期'
  else if (!problems.loans && form.apply_until < form.loans[0]) problems.apply_until = '截止日期不能早于覆盖的放款日期'
  return Object.fromEntries(Object.entries(problems).filter(([, v]) => v)) as Record<string, string>
}

/** The request body of a checked form: the chosen rule, the other null. */
export function programBody(form: ProgramForm): ProgramInput {
  return {
    name: form.name.trim(), region_code: form.region_code,
    share_percent: form.kind === 'share' ? Number(form.share_percent) : null,
    rate_points: form.kind === 'points' ? Number(form.rate_points) : null,
    first_loan_only: form.first_loan_only, whitelisted_only: form.whitelisted_only, budget: Number(form.budget),
    cap_per_enterprise: Number(form.cap_per_enterprise), loans_from: form.loans[0], loans_to: form.loans[1],
    apply_until: form.apply_until,
  }
}

/** Null when the approval may be sent, else the message under its amount: empty means the computed
 * amount; an amount above it never passes. */
export function subsidyApprovalProblem(amount: number | null, computed: number): string | null {
  if (amount === null || amount === undefined || Number.isNaN(amount)) return null
  return approvalProblem(amount, computed, '测算金额')
}
