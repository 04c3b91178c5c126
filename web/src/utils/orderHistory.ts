// An order's history step in words, as every console and the enterprise's page show it: the move by
// name where it has one (督办, 退回补正, 补正后重新提交), otherwise the statuses it went between.
import { ORDER_STATUSES, label } from './labels'

export interface HistoryStep {
  from_status?: string | null
  to_status: string
  actor_role: string
}

/** A government user's or the admin's row that leaves the status as it was is a 督办 (an urge). */
export function isUrge(step: HistoryStep): boolean {
  return step.from_status === step.to_status && (step.actor_role === 'government' || step.actor_role === 'admin')
}

/** What happened in `step`, in Chinese. `withFrom` writes `甲 → 乙` for a plain move (the staff
 * consoles); without it only the new status (the enterprise's page). */
export function historyStepTitle(step: HistoryStep, withFrom = true): string {
  if (isUrge(step)) return '督办'
  if (step.to_status === 'returned') return '退回补正'
  if (step.from_status === 'returned' && step.to_status === 'submitted') return '补正后重新提交'
  const to = label(ORDER_STATUSES, step.to_status)
  return withFrom && step.from_status ? `${label(ORDER_STATUSES, step.from_status)} → ${to}` : to
}
