// The one way each kind of value is written on a page: timestamps in Beijing time, business dates,
// money in 万元, annual rates with two decimals.

const BEIJING = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

function beijingParts(value: string | Date): Record<string, string> {
  const parts: Record<string, string> = {}
  for (const part of BEIJING.formatToParts(typeof value === 'string' ? new Date(value) : value)) parts[part.type] = part.value
  return parts
}

/** An instant of the API (UTC, ISO 8601) as `YYYY-MM-DD HH:mm` in Beijing time. */
export function dateTime(value: string | null | undefined): string {
  if (!value) return '—'
  const p = beijingParts(value)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** A business date (`YYYY-MM-DD` from the API, or an instant's Beijing day) as `YYYY-MM-DD`. */
export function businessDate(value: string | null | undefined): string {
  if (!value) return '—'
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const p = beijingParts(value)
  return `${p.year}-${p.month}-${p.day}`
}

const WAN = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 2, useGrouping: true })
// Instalments and repayments are exact to the yuan: 4 decimals of 万元.
const WAN_EXACT = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 4, useGrouping: true })

/** An amount in 万元 with thousands separators: `1,250.5`; `exact` keeps 4 decimals (to the yuan). */
export function wan(value: number | string | null | undefined, exact = false): string {
  if (value === null || value === undefined || value === '') return '—'
  return (exact ? WAN_EXACT : WAN).format(Number(value))
}

/** An amount with its unit: `1,250 万元`. */
export function money(value: number | string | null | undefined, exact = false): string {
  const figure = wan(value, exact)
  return figure === '—' ? figure : `${figure} 万元`
}

/** A range of amounts: `10–500 万元`. */
export function moneyRange(low: number | string, high: number | string): string {
  return `${wan(low)}–${wan(high)} 万元`
}

/** An annual rate in percent with two decimals: `3.45%`. */
export function rate(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  return `${Number(value).toFixed(2)}%`
}

/** A range of annual rates: `3.45%–4.50%`. */
export function rateRange(low: number | string, high: number | string): string {
  return `${rate(low)}–${rate(high)}`
}

/** A share (0–1) as a percentage with one decimal: `87.5%`. */
export function percent(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  return `${(Number(value) * 100).toFixed(1)}%`
}
