// Form checks that mirror the API's own rules, so a user learns of a mistake before submitting.
// The server stays the judge: its 422 field errors are shown under the same fields.
import type { FormItemRule } from 'element-plus'

export const AMOUNT_LIMIT = 100_000_000 // 万元, as product-service
export const PHONE_PATTERN = /^1[3-9]\d{9}$/
export const SMS_CODE_PATTERN = /^\d{6}$/

/** Null when fine, else the Chinese message. */
export type Check = (value: unknown) => string | null

function decimals(value: number): number {
  const text = String(value)
  const dot = text.indexOf('.')
  return dot < 0 ? 0 : text.length - dot - 1
}

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)
}

export const checkPhone: Check = (value) =>
  PHONE_PATTERN.test(String(value ?? '').replace(/^\+86/, '')) ? null : '请输入 11 位手机号'

export const checkSmsCode: Check = (value) => (SMS_CODE_PATTERN.test(String(value ?? '')) ? null : '验证码为6位数字')

export const checkAmount: Check = (value) => {
  if (isBlank(value)) return '请输入金额'
  const amount = Number(value)
  if (!Number.isFinite(amount) || amount <= 0 || amount > AMOUNT_LIMIT) return `金额应大于 0 且不超过 ${AMOUNT_LIMIT} 万元`
  if (decimals(amount) > 4) return '金额最多 4 位小数（精确到元）'
  return null
}

export const checkTerm: Check = (value) => {
  if (isBlank(value)) return '请输入期限'
  const term = Number(value)
  return Number.isInteger(term) && term >= 1 && term <= 360 ? null : '期限应在 1 到 360 个月之间'
}

export const checkRate: Check = (value) => {
  if (isBlank(value)) return '请输入利率'
  const rate = Number(value)
  if (!Number.isFinite(rate) || rate < 0 || rate > 36) return '利率应在 0% 到 36% 之间'
  if (decimals(rate) > 2) return '利率最多 2 位小数'
  return null
}

/** min ≤ max for a range whose ends are both filled in. */
export function checkRange(min: unknown, max: unknown, label: string): string | null {
  if (isBlank(min) || isBlank(max)) return null
  return Number(min) <= Number(max) ? null : `${label}的最小值不能大于最大值`
}

export function checkLength(min: number, max: number): Check {
  return (value) => {
    const length = String(value ?? '').trim().length
    if (length < min) return min <= 1 ? '此项必填' : `至少 ${min} 个字`
    return length > max ? `最多 ${max} 个字` : null
  }
}

export const checkChosen: Check = (value) => (Array.isArray(value) && value.length > 0 ? null : '至少选择一项')

/** The baseline every password must meet (the server may ask for more and says so in its answer). */
export const checkPassword: Check = (value) => {
  const text = String(value ?? '')
  if (text.length < 8) return '密码长度至少 8 位'
  if (!/[A-Za-z]/.test(text) || !/\d/.test(text)) return '密码须同时包含字母和数字'
  return null
}

/** An Element Plus rule running `check` (on change and blur, so keyboard users see it too). */
export function rule(check: Check, required = true): FormItemRule {
  return {
    required,
    trigger: ['blur', 'change'],
    validator: (_rule, value, callback) => {
      const problem = check(value)
      if (problem) callback(new Error(problem))
      else callback()
    },
  }
}
