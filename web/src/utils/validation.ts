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

/** An amount repaid (万元): 0 allowed (a repayment may be principal or interest only). */
export const checkRepaidAmount: Check = (value) => {
  if (isBlank(value)) return '请输入金额（没有则填 0）'
  const amount = Number(value)
  if (!Number.isFinite(amount) || amount < 0 || amount > AMOUNT_LIMIT) return `金额应在 0 到 ${AMOUNT_LIMIT} 万元之间`
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

/** The credit-data authorization's checkbox (授权书). */
export const checkAgreed: Check = (value) => (value === true ? null : '请阅读并同意授权书')

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

// 统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character over the first 17.
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

export function isValidUscc(value: string): boolean {
  const code = value.trim().toUpperCase()
  if (code.length !== 18 || [...code].some((c) => !USCC_ALPHABET.includes(c))) return false
  const sum = USCC_WEIGHTS.reduce((total, weight, i) => total + USCC_ALPHABET.indexOf(code[i]) * weight, 0)
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] === code[17]
}

export const checkUscc: Check = (value) =>
  isValidUscc(String(value ?? '')) ? null : '统一社会信用代码应为 18 位且校验位正确'

/** An optional USCC: blank is fine, anything else must be valid. */
export const checkOptionalUscc: Check = (value) => (isBlank(value) ? null : checkUscc(value))

/** A GB/T 2260 code for a new region under `parent` (null: a province): six digits; a city keeps its
 * province's first two digits and ends in 00, a county keeps its city's first four. */
export function checkRegionCode(code: string, parent: string | null): string | null {
  if (!/^\d{6}$/.test(code)) return '行政区代码应为 6 位数字'
  if (code === parent) return '代码不能与上级相同'
  if (!parent) return code.endsWith('0000') ? null : '省级代码应以 0000 结尾'
  if (parent.endsWith('0000')) {
    return code.startsWith(parent.slice(0, 2)) && code.endsWith('00') ? null : `市级代码应以 ${parent.slice(0, 2)} 开头、以 00 结尾`
  }
  if (parent.endsWith('00')) return code.startsWith(parent.slice(0, 4)) ? null : `县级代码应以 ${parent.slice(0, 4)} 开头`
  return '该行政区下不能再添加六位代码的下级'
}
