// The forms of the credit-rights pages: an enterprise's dispute (提出异议), a reviewer's decision on it,
// and a new version of the authorization text (授权书). The checks mirror credit-service's schemas; the
// server stays the judge and its 422 field errors are shown under the same fields.
import type { FormRules } from 'element-plus'

import type { AuthorizationText, AuthorizationTextInput } from '@/api/models'
import { type Check, checkChosen, checkLength, rule } from '@/utils/validation'

// --- 提出异议 ------------------------------------------------------------------------------------------

export interface DisputeModel {
  reason: string
  contact: string
}

export const disputeRules: FormRules = {
  reason: [rule(checkLength(5, 2000))],
  contact: [rule(checkLength(2, 100))],
}

export function disputeBody(recordId: number, model: DisputeModel) {
  return { record_id: recordId, reason: model.reason.trim(), contact: model.contact.trim() }
}

// --- 处理异议 ------------------------------------------------------------------------------------------

export type Decision = 'uphold' | 'reject'

/** The note's problem for `decision`, or null: a rejection must say why (the enterprise reads it). */
export function decisionNoteProblem(decision: Decision, note: string): string | null {
  if (note.trim().length > 2000) return '最多 2000 个字'
  return decision === 'reject' && !note.trim() ? '驳回异议须说明理由（企业将看到）' : null
}

export function decisionBody(decision: Decision, note: string) {
  return { decision, note: note.trim() || null }
}

// --- 发布新版授权书 -------------------------------------------------------------------------------------

export interface AuthorizationTextModel {
  text: string
  data_categories: string[]
  purpose: string
  valid_days: number | undefined
}

export const checkValidDays: Check = (value) => {
  const days = Number(value)
  if (value === undefined || value === null || value === '') return '请输入有效天数'
  return Number.isInteger(days) && days >= 1 && days <= 3650 ? null : '有效天数应为 1 到 3650 之间的整数'
}

export const authorizationTextRules: FormRules = {
  text: [rule(checkLength(20, 20000))],
  data_categories: [rule(checkChosen)],
  purpose: [rule(checkLength(2, 200))],
  valid_days: [rule(checkValidDays)],
}

/** A draft starting from the current version (or empty when none has been published). */
export function draftFrom(current: AuthorizationText | null): AuthorizationTextModel {
  if (!current) return { text: '', data_categories: [], purpose: '', valid_days: 365 }
  return { text: current.text, data_categories: [...current.data_categories], purpose: current.purpose, valid_days: current.valid_days }
}

export function authorizationTextBody(model: AuthorizationTextModel): AuthorizationTextInput {
  return {
    text: model.text.trim(),
    // The checkboxes offer only the API's categories.
    data_categories: [...model.data_categories] as AuthorizationTextInput['data_categories'],
    purpose: model.purpose.trim(),
    valid_days: Number(model.valid_days),
  }
}

/** True when the draft says exactly what the current version says: publishing it would only make
 * every applicant accept the same text again. */
export function sameAsCurrent(model: AuthorizationTextModel, current: AuthorizationText | null): boolean {
  if (!current) return false
  const body = authorizationTextBody(model)
  const categories = (list: string[]) => [...list].sort().join(',')
  return body.text === current.text.trim() && body.purpose === current.purpose.trim() && body.valid_days === current.valid_days
    && categories(body.data_categories) === categories(current.data_categories)
}
