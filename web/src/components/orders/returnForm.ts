// 退回补正: the missing documents an institution names when it returns an order. The common ones are
// offered to pick; anything else may be typed. The API's limits (1–10 items, each 1–50 characters) are
// checked here first so the clerk learns of a mistake before sending; the server stays the judge.

/** What banks most often ask an applicant to add (offered in the picker, free entry allowed). */
export const COMMON_RETURN_ITEMS = [
  '营业执照副本',
  '法定代表人身份证',
  '近一年财务报表',
  '近六个月银行流水',
  '纳税证明',
  '购销合同',
  '公司章程',
  '抵押物权属证明',
]

export const MAX_RETURN_ITEMS = 10
export const MAX_RETURN_ITEM_LENGTH = 50

/** The items as sent: trimmed, blanks dropped, each named once, in the order chosen. */
export function returnItems(chosen: string[]): string[] {
  const items: string[] = []
  for (const raw of chosen) {
    const item = raw.trim()
    if (item && !items.includes(item)) items.push(item)
  }
  return items
}

/** Null when the items may be sent, else the Chinese message. */
export function checkReturnItems(chosen: unknown): string | null {
  const items = returnItems(Array.isArray(chosen) ? chosen.map(String) : [])
  if (!items.length) return '请至少列出一项需补充的材料'
  if (items.length > MAX_RETURN_ITEMS) return `最多列出 ${MAX_RETURN_ITEMS} 项材料`
  const long = items.find((item) => item.length > MAX_RETURN_ITEM_LENGTH)
  return long ? `每项材料最多 ${MAX_RETURN_ITEM_LENGTH} 个字：“${long.slice(0, 10)}…”` : null
}
