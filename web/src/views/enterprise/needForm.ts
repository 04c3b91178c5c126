// The need form's model, rules and the body POST /needs takes (发布融资需求).
import type { FormRules } from 'element-plus'

import type { GuaranteeMethod, NeedInput } from '@/api/needs'
import { checkAgreed, checkAmount, checkLength, checkTerm, rule, type Check } from '@/utils/validation'

export const VALID_DAYS_MAX = 90
export const VALID_DAYS_DEFAULT = 30

export interface NeedModel {
  amount: string
  term_months: string
  purpose: string
  guarantee_methods: GuaranteeMethod[]
  valid_days: number | undefined
  agreed: boolean
}

export function emptyNeed(): NeedModel {
  return { amount: '', term_months: '', purpose: '', guarantee_methods: [], valid_days: VALID_DAYS_DEFAULT, agreed: false }
}

export const checkValidDays: Check = (value) => {
  const days = Number(value)
  return value !== undefined && value !== null && value !== '' && Number.isInteger(days) && days >= 1 && days <= VALID_DAYS_MAX
    ? null
    : `有效天数应在 1 到 ${VALID_DAYS_MAX} 天之间`
}

export const needRules: FormRules = {
  amount: [rule(checkAmount)],
  term_months: [rule(checkTerm)],
  purpose: [rule(checkLength(2, 500))],
  valid_days: [rule(checkValidDays)],
  agreed: [rule(checkAgreed)],
}

/** What the form sends: numbers as numbers, the purpose trimmed, each guarantee method once. */
export function needBody(model: NeedModel, authorizationVersion: number): NeedInput {
  return {
    amount: Number(model.amount),
    term_months: Number(model.term_months),
    purpose: model.purpose.trim(),
    guarantee_methods: [...new Set(model.guarantee_methods)],
    valid_days: model.valid_days ?? VALID_DAYS_DEFAULT,
    credit_authorization: { version: authorizationVersion },
  }
}
