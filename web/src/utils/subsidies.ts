// A subsidy programme in words, the same on the government's and the enterprise's pages: its rule
// (按实付利息的 50%, 贴息 1.5 个百分点) and whom it is for.
import type { Program } from '@/api/instruments'

/** The programme's rule: a share of the interest paid, or annual percentage points of it. */
export function subsidyRule(program: Pick<Program, 'share_percent' | 'rate_points'>): string {
  if (program.share_percent !== null) return `按实付利息的 ${program.share_percent}%`
  return `贴息 ${program.rate_points} 个百分点（年化）`
}

/** Whom the programme takes: 仅限首贷, 仅限白名单企业, or 不限. */
export function subsidyAudience(program: Pick<Program, 'first_loan_only' | 'whitelisted_only'>): string {
  const only = [program.first_loan_only && '仅限首贷', program.whitelisted_only && '仅限白名单企业'].filter(Boolean)
  return only.length ? only.join('、') : '不限'
}
