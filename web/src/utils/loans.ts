// What the loan pages work out from a loan as the API answers it: what is still owed of an instalment,
// what is due next, and the amounts a repayment form starts with. Amounts are 万元 with at most 4
// decimals; they are added and subtracted as whole ten-thousandths so that no binary fraction creeps
// into a figure the user then submits.
import { checkRepaidAmount } from './validation'

/** An instalment of a loan's schedule (the fields the pages use). */
export interface ScheduleItem {
  no: number
  due_on: string
  principal: number
  interest: number
  paid_principal: number
  paid_interest: number
  status: string
}

const SCALE = 10_000

function units(value: number | null | undefined): number {
  return Math.round(Number(value ?? 0) * SCALE)
}

function amount(tenThousandths: number): number {
  return tenThousandths / SCALE
}

/** `a − b` exactly, for amounts with at most 4 decimals. */
export function subtract(a: number, b: number): number {
  return amount(units(a) - units(b))
}

/** The sum of `values` exactly, for amounts with at most 4 decimals. */
export function total(values: number[]): number {
  return amount(values.reduce((sum, value) => sum + units(value), 0))
}

/** What is still owed of an instalment: its principal and interest less what was paid. */
export function unpaid(item: ScheduleItem): { principal: number; interest: number; total: number } {
  const principal = subtract(item.principal, item.paid_principal)
  const interest = subtract(item.interest, item.paid_interest)
  return { principal, interest, total: total([principal, interest]) }
}

/** The oldest instalment not yet paid in full, or null when every one is. */
export function nextInstalment(schedule: ScheduleItem[]): ScheduleItem | null {
  return schedule.find((item) => unpaid(item).total > 0) ?? null
}

/** Everything still owed by the schedule: the outstanding principal and the unpaid scheduled interest
 * (what a repayment may pay at most). */
export function owed(schedule: ScheduleItem[]): { principal: number; interest: number } {
  const open = schedule.map(unpaid)
  return { principal: total(open.map((o) => o.principal)), interest: total(open.map((o) => o.interest)) }
}

/** What a repayment form starts with: the unpaid part of every instalment already past due, or when
 * none is, of the next instalment (a user records what the borrower paid and may change them). */
export function suggestedRepayment(schedule: ScheduleItem[]): { principal: number; interest: number } {
  const late = schedule.filter((item) => item.status === 'overdue').map(unpaid)
  if (late.length) return { principal: total(late.map((o) => o.principal)), interest: total(late.map((o) => o.interest)) }
  const next = nextInstalment(schedule)
  if (!next) return { principal: 0, interest: 0 }
  const open = unpaid(next)
  return { principal: open.principal, interest: open.interest }
}

/** Loans that may still take a repayment (the API answers 409 for the others). */
export const REPAYABLE_LOAN_STATUSES = ['repaying', 'overdue', 'non_performing']

/** Only a non-performing loan may be written off (核销). */
export const WRITABLE_OFF_LOAN_STATUSES = ['non_performing']

/** The instalments of a schedule in words for a heading: "共 12 期，已还清 3 期". */
export function scheduleSummary(schedule: ScheduleItem[]): string {
  const paid = schedule.filter((item) => item.status === 'paid').length
  return `共 ${schedule.length} 期，已还清 ${paid} 期`
}

/** The 登记还款 form as the page holds it. */
export interface RepaymentForm {
  paid_on: string
  principal: number | null | undefined
  interest: number | null | undefined
  reference: string
}

/** The form's mistakes by field, in Chinese (empty when it may be sent); the server judges the rest
 * (the date against the business date, an overpayment, a reference used before). */
export function repaymentProblems(form: RepaymentForm): Record<string, string> {
  const problems: Record<string, string> = {}
  if (!form.paid_on) problems.paid_on = '请选择还款日期'
  const principal = checkRepaidAmount(form.principal)
  if (principal) problems.principal = principal
  const interest = checkRepaidAmount(form.interest)
  if (interest) problems.interest = interest
  if (!principal && !interest && Number(form.principal) === 0 && Number(form.interest) === 0) {
    problems.principal = '本金与利息不能都为 0'
  }
  const reference = form.reference.trim()
  if (!reference) problems.reference = '请填写还款流水号'
  else if (reference.length > 64) problems.reference = '还款流水号最多 64 个字符'
  return problems
}
