// 走访登记: the form's checks (the API's own rules, so a mistake shows before submitting; the server
// stays the judge) and the body it sends.
import type { VisitInput } from '@/api/coordination'
import { beijingToday } from '@/utils/deadline'
import { checkUscc } from '@/utils/uscc'
import { checkLength } from '@/utils/validation'

export interface VisitForm {
  uscc: string
  enterprise_name: string
  region_code: string | undefined
  visited_on: string
  visitors: string
  findings: string
}

export function emptyVisit(today: string = beijingToday()): VisitForm {
  return { uscc: '', enterprise_name: '', region_code: undefined, visited_on: today, visitors: '', findings: '' }
}

/** A visit is recorded on or after the day it happened, never ahead of it. */
export function checkVisitedOn(value: string, today: string = beijingToday()): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return '请选择走访日期'
  return value > today ? '走访日期不能晚于今天' : null
}

/** Each field's problem (only those with one). */
export function visitProblems(form: VisitForm, today: string = beijingToday()): Record<string, string> {
  const checks: Record<string, string | null> = {
    uscc: checkUscc(form.uscc),
    enterprise_name: checkLength(2, 200)(form.enterprise_name),
    visited_on: checkVisitedOn(form.visited_on, today),
    visitors: checkLength(2, 200)(form.visitors),
    findings: checkLength(2, 2000)(form.findings),
  }
  return Object.fromEntries(Object.entries(checks).filter((entry): entry is [string, string] => entry[1] !== null))
}

/** What is sent: trimmed text, the code in capitals, the region when chosen (else the user's). */
export function visitBody(form: VisitForm): VisitInput {
  return {
    uscc: form.uscc.trim().toUpperCase(),
    enterprise_name: form.enterprise_name.trim(),
    visited_on: form.visited_on,
    visitors: form.visitors.trim(),
    findings: form.findings.trim(),
    region_code: form.region_code || null,
  }
}
