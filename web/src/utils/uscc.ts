// 统一社会信用代码 (GB 32100-2015): 18 characters of the alphabet below; the 18th is the check
// character of the first 17. Checked on the page before submitting; the server checks again.
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** The check character of the first 17 characters, or null when one is not in the alphabet. */
export function usccCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null
  let total = 0
  for (let i = 0; i < 17; i++) {
    const value = USCC_ALPHABET.indexOf(first17[i]!)
    if (value < 0) return null
    total += value * WEIGHTS[i]!
  }
  return USCC_ALPHABET[(31 - (total % 31)) % 31]!
}

/** Null when `value` is a valid USCC (case and surrounding spaces ignored), else the Chinese message. */
export function checkUscc(value: unknown): string | null {
  const code = String(value ?? '').trim().toUpperCase()
  if (code.length !== 18) return '统一社会信用代码应为 18 位'
  if ([...code].some((c) => !USCC_ALPHABET.includes(c))) return '统一社会信用代码含有无效字符（不使用 I、O、Z、S、V）'
  return usccCheckChar(code.slice(0, 17)) === code[17] ? null : '统一社会信用代码校验位不正确，请核对'
}
