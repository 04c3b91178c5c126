// Loans after disbursement (loan-service), typed from the OpenAPI document: the lists (institution: its
// own; enterprise: its own, once verified; government: its region and below; admin: all), a loan with
// its schedule, 登记还款, the CSV import of repayments, 核销, the export and the figures.
import { api } from './client'
import type { components, paths } from './schema'
import type { Page } from './models'

type Schemas = components['schemas']

export type LoanStatus = NonNullable<Schemas['Loan']['status']>
export type OverdueBucket = NonNullable<Schemas['Loan']['overdue_bucket']>

/** An instalment as the API answers it (the schema marks output fields optional; they are always sent). */
export type Instalment = Required<Schemas['Instalment']>

/** A loan as the API answers it, with its schedule. */
export type Loan = Required<Omit<Schemas['Loan'], 'schedule' | 'status' | 'overdue_bucket'>> & {
  status: LoanStatus
  overdue_bucket: OverdueBucket
  schedule: Instalment[]
}

export type RepaymentInput = Schemas['Repayment']
export type LoanImportResult = Required<Omit<Schemas['LoanImportResult'], 'errors'>> & {
  errors: Required<Schemas['LoanImportError']>[]
}

/** A list's filters as a page holds them: '' is "any" (left out of the request). */
export type LoanQuery = {
  [K in keyof NonNullable<paths['/api/v1/loans']['get']['parameters']['query']>]?: string | number | null
}

/** GET /loans/stats: figures of the loans disbursed in the range, balances as of the business date;
 * ratios are fractions, null when there is nothing to divide by. */
export type LoanFigures = Required<Schemas['LoanStatsGroup']>
export type LoanStats = Required<Omit<Schemas['LoanStats'], 'groups'>> & { groups?: LoanFigures[] }
export type LoanStatsQuery = NonNullable<paths['/api/v1/loans/stats']['get']['parameters']['query']>

export const loansApi = {
  list: (query: LoanQuery) => api.get<Page<Loan>>('/loans', { ...query }),
  get: (id: number) => api.get<Loan>(`/loans/${id}`),
  /** 201 with the loan; the same reference and body again → 200, nothing counted twice. */
  repay: (id: number, body: RepaymentInput) => api.post<Loan>(`/loans/${id}/repayments`, body),
  /** A CSV file (order_no, paid_on, principal, interest, reference) in the multipart field `file`. */
  importRepayments: (body: FormData, onProgress: (sent: number) => void) =>
    api.upload<LoanImportResult>('/loans/repayments/import', body, onProgress),
  writeOff: (id: number, reason: string) => api.post<Loan>(`/loans/${id}/write-off`, { reason }),
  /** The whole filtered list (the page of the screen does not narrow it). */
  export: (query: Omit<LoanQuery, 'page' | 'per_page' | 'after'> & { format: 'xlsx' | 'csv' }) => api.download('/loans/export', { ...query }),
  stats: (query: LoanStatsQuery) => api.get<LoanStats>('/loans/stats', { ...query }),
}
