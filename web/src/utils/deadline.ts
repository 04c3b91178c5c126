// A due date counting down (推荐清单: an institution answers a pushed need by its due date), in days of
// the Beijing calendar.

/** Today's date in Beijing, `YYYY-MM-DD`. */
export function beijingToday(now: Date = new Date()): string {
  return now.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })
}

/** Whole days from `today` to `dueOn` (both `YYYY-MM-DD`): 0 on the day, negative once past. */
export function daysLeft(dueOn: string, today: string = beijingToday()): number {
  const day = (text: string) => Date.UTC(Number(text.slice(0, 4)), Number(text.slice(5, 7)) - 1, Number(text.slice(8, 10)))
  return Math.round((day(dueOn) - day(today)) / 86_400_000)
}

export interface Countdown {
  text: string
  type: 'success' | 'warning' | 'danger'
}

/** The countdown to `dueOn` in words and its tag colour: `还剩 12 天`, `今天到期`, `已超期 3 天`;
 * the last three days warn. */
export function countdown(dueOn: string, today: string = beijingToday()): Countdown {
  const left = daysLeft(dueOn, today)
  if (left < 0) return { text: `已超期 ${-left} 天`, type: 'danger' }
  if (left === 0) return { text: '今天到期', type: 'danger' }
  return { text: `还剩 ${left} 天`, type: left <= 3 ? 'warning' : 'success' }
}
