// The forms of the fund pages: the checks of a new fund (新建资金池) before it is sent, and the most a
// claim may be approved for; the amount and percentage checks serve the subsidy forms too. The server
// decides (422 with field errors, over_fund_limit); this only says early what it would say.
export interface FundForm {
  name: string
  region_code: string
  budget: number | null
  share_percent: number | null
  cap_per_loan: number | null
  institution_types: string[]
  whitelisted_only: boolean
  /** [from, to] as YYYY-MM-DD, or empty. */
  loans: string[]
  claims_until: string
}

export function emptyFund(region = ''): FundForm {
  return {
    name: '', region_code: region, budget: null, share_percent: null, cap_per_loan: null,
    institution_types: ['bank'], whitelisted_only: false, loans: [], claims_until: '',
  }
}

function decimals(value: number): number {
  const [, fraction = ''] = String(value).split('.')
  return fraction.length
}

function missing(value: number | null): boolean {
  return value === null || value === undefined || Number.isNaN(value)
}

/** An amount in 万元: above 0, at most 4 decimals. */
export function amountProblem(value: number | null, what: string): string | undefined {
  if (missing(value)) return `请填写${what}`
  if (Number(value) <= 0) return `${what}须大于 0`
  if (decimals(Number(value)) > 4) return `${what}最多 4 位小数`
  return undefined
}

/** A percentage (or percentage points): above 0, at most `max`, at most 2 decimals. */
export function percentProblem(value: number | null, what: string, max = 100): string | undefined {
  if (missing(value)) return `请填写${what}`
  if (Number(value) <= 0 || Number(value) > max) return `${what}须大于 0 且不超过 ${max}`
  if (decimals(Number(value)) > 2) return `${what}最多 2 位小数`
  return undefined
}

/** The form's problems by field (the API's field names; `loans` for the loan date range). */
export function fundProblems(form: FundForm): Record<string, string> {
  const problems: Record<string, string | undefined> = {}
  if (!form.name.trim()) problems.name = '请填写资金池名称'
  if (!form.region_code) problems.region_code = '请选择所属区域'
  problems.budget = amountProblem(form.budget, '资金规模')
  problems.cap_per_loan = amountProblem(form.cap_per_loan, '单笔补偿上限')
  if (!problems.budget && !problems.cap_per_loan && Number(form.cap_per_loan) > Number(form.budget)) {
    problems.cap_per_loan = '单笔补偿上限不能超过资金规模'
  }
  problems.share_percent = percentProblem(form.share_percent, '分担比例')
  if (!form.institution_types.length) problems.institution_types = '请至少选择一类机构'
  if (form.loans.length !== 2 || !form.loans[0] || !form.loans[1]) problems.loans = '请选择覆盖的放款日期范围'
  if (!form.claims_until) problems.claims_until = '请选择代偿申请截止日期'
  else if (!problems.loans && form.claims_until < form.loans[0]) problems.claims_until = '截止日期不能早于覆盖的放款日期'
  return Object.fromEntries(Object.entries(problems).filter(([, v]) => v)) as Record<string, string>
}

/** The request body of a checked form. */
export function fundBody(form: FundForm) {
  return {
    name: form.name.trim(), region_code: form.region_code, budget: Number(form.budget),
    share_percent: Number(form.share_percent), cap_per_loan: Number(form.cap_per_loan),
    institution_types: form.institution_types as ('bank' | 'guarantee' | 'microloan' | 'leasing' | 'insurance' | 'other')[],
    whitelisted_only: form.whitelisted_only, loans_from: form.loans[0], loans_to: form.loans[1], claims_until: form.claims_until,
  }
}

/** Null when `amount` may be approved, else the Chinese message shown under the amount (`limitName`
 * names the limit in it). */
export function approvalProblem(amount: number | null, limit: number, limitName = '可核准上限'): string | null {
  if (amount === null || amount === undefined || Number.isNaN(amount) || amount <= 0) return '请填写核准金额'
  if (decimals(amount) > 4) return '核准金额最多 4 位小数'
  return amount > limit ? `核准金额不能超过${limitName} ${limit} 万元` : null
}

export const EVIDENCE_TYPES = ['image/jpeg', 'image/png', 'application/pdf']
export const EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
export const EVIDENCE_MAX_FILES = 10

/** Null when the evidence files may be sent, else the Chinese message shown under them. */
export function evidenceProblem(files: { type: string; size: number }[]): string | null {
  if (!files.length) return '请上传证明材料'
  if (files.length > EVIDENCE_MAX_FILES) return `证明材料最多 ${EVIDENCE_MAX_FILES} 个`
  if (files.some((f) => !EVIDENCE_TYPES.includes(f.type) || f.size > EVIDENCE_MAX_BYTES)) {
    return '请选择不超过 5 MB 的 JPEG、PNG 图片或 PDF 文件'
  }
  return null
}
