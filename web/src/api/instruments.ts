// Government instruments (loan-service, issue 28), typed from the OpenAPI document: risk compensation
// funds (资金池, 追加资金, 关闭) and their claims (代偿申请, 核准, 驳回, 拨付, evidence files); interest
// subsidy programmes (贴息项目) and their applications (贴息申请, 核准, 驳回, 拨付).
import { api } from './client'
import type { Page } from './models'
import type { components, paths } from './schema'

type Schemas = components['schemas']


export type FundStatus = NonNullable<Schemas['Fund']['status']>
export type ClaimStatus = NonNullable<Schemas['LoanClaim']['status']>
export type InstitutionType = Schemas['FundCreate']['institution_types'][number]

/** A fund as the API answers it (output fields are always sent). */
export type Fund = Required<Omit<Schemas['Fund'], 'status'>> & { status: FundStatus }
export type FundInput = Schemas['FundCreate']
export type ClaimFile = Required<Schemas['ClaimFile']>
/** A claim as the API answers it, with its evidence files and the fund's and the loan's names. */
export type Claim = Required<Omit<Schemas['LoanClaim'], 'status' | 'files'>> & { status: ClaimStatus; files: ClaimFile[] }
/** What bounds a claim's approval now, as the server works it out (null once the claim is decided). */
export type ClaimLimits = Required<Schemas['ClaimLimits']>
/** One claim, as its page and the decisions answer it: with its limits. */
export type ClaimDetail = Claim & { limits: ClaimLimits | null }
export type Payment = Schemas['Payment']

export type ProgramStatus = NonNullable<Schemas['Program']['status']>
export type SubsidyStatus = NonNullable<Schemas['Application']['status']>
/** A subsidy programme as the API answers it: exactly one of `rate_points` and `share_percent`. */
export type Program = Required<Omit<Schemas['Program'], 'status'>> & { status: ProgramStatus }
export type ProgramInput = Schemas['ProgramCreate']
/** A subsidy application as the API answers it, with the programme's and the loan's names. */
export type SubsidyApplication = Required<Omit<Schemas['Application'], 'status'>> & { status: SubsidyStatus }

type Filters<Q> = { [K in keyof NonNullable<Q>]?: string | number | null }
export type FundQuery = Filters<paths['/api/v1/funds']['get']['parameters']['query']>
export type ClaimQuery = Filters<paths['/api/v1/claims']['get']['parameters']['query']>
export type ProgramQuery = Filters<paths['/api/v1/subsidy-programs']['get']['parameters']['query']>
export type SubsidyQuery = Filters<paths['/api/v1/subsidy-applications']['get']['parameters']['query']>

export const fundsApi = {
  list: (query: FundQuery) => api.get<Page<Fund>>('/funds', { ...query }),
  get: (id: number) => api.get<Fund>(`/funds/${id}`),
  create: (body: FundInput) => api.post<Fund>('/funds', body),
  topUp: (id: number, amount: number, note: string | null) => api.post<Fund>(`/funds/${id}/top-up`, { amount, note }),
  close: (id: number) => api.post<Fund>(`/funds/${id}/close`),
}

export const claimsApi = {
  list: (query: ClaimQuery) => api.get<Page<Claim>>('/claims', { ...query }),
  get: (id: number) => api.get<ClaimDetail>(`/claims/${id}`),
  /** Multipart: loan_id, loss_principal, note and the evidence files (field `evidence`, repeated). */
  submit: (fundId: number, body: FormData) => api.post<ClaimDetail>(`/funds/${fundId}/claims`, body),
  file: (id: number, fileId: number) => api.download(`/claims/${id}/files/${fileId}`),
  approve: (id: number, amount: number) => api.post<ClaimDetail>(`/claims/${id}/approve`, { amount }),
  reject: (id: number, reason: string) => api.post<ClaimDetail>(`/claims/${id}/reject`, { reason }),
  pay: (id: number, body: Payment) => api.post<ClaimDetail>(`/claims/${id}/pay`, body),
}

export const programsApi = {
  list: (query: ProgramQuery) => api.get<Page<Program>>('/subsidy-programs', { ...query }),
  get: (id: number) => api.get<Program>(`/subsidy-programs/${id}`),
  create: (body: ProgramInput) => api.post<Program>('/subsidy-programs', body),
  /** A programme's applications (the managing government, the admin). */
  applications: (id: number, query: SubsidyQuery) => api.get<Page<SubsidyApplication>>(`/subsidy-programs/${id}/applications`, { ...query }),
  /** An enterprise applies on one of its loans: the amount is computed from the interest paid so far. */
  apply: (id: number, loanId: number) => api.post<SubsidyApplication>(`/subsidy-programs/${id}/applications`, { loan_id: loanId }),
}

export const subsidiesApi = {
  /** The enterprise's own applications (government: its region's; admin: all). */
  list: (query: SubsidyQuery) => api.get<Page<SubsidyApplication>>('/subsidy-applications', { ...query }),
  /** `amount` null: the computed amount. */
  approve: (id: number, amount: number | null) => api.post<SubsidyApplication>(`/subsidy-applications/${id}/approve`, { amount }),
  reject: (id: number, reason: string) => api.post<SubsidyApplication>(`/subsidy-applications/${id}/reject`, { reason }),
  pay: (id: number, body: Payment) => api.post<SubsidyApplication>(`/subsidy-applications/${id}/pay`, body),
}

/** GET /instruments/figures (government: its region's line; admin: all): each fund's and programme's own
 * money, the claims and applications the caller may list by status, the claims per institution, totals. */
export type FundFigures = Required<Omit<Schemas['FundFigures'], 'status' | 'claims'>> & {
  status: FundStatus
  claims: Required<Schemas['ClaimCounts']>
}
export type ProgramFigures = Required<Omit<Schemas['ProgramFigures'], 'status' | 'applications'>> & {
  status: ProgramStatus
  applications: Required<Schemas['ApplicationCounts']>
}
export type InstrumentFigures = Required<Omit<Schemas['InstrumentFigures'], 'funds' | 'programs' | 'claims_by_institution' | 'totals'>> & {
  funds: FundFigures[]
  programs: ProgramFigures[]
  claims_by_institution: Required<Schemas['InstitutionClaims']>[]
  totals: Required<Schemas['FiguresTotals']>
}
export type FiguresQuery = Filters<paths['/api/v1/instruments/figures']['get']['parameters']['query']>

export const instrumentFiguresApi = {
  get: (query: FiguresQuery) => api.get<InstrumentFigures>('/instruments/figures', { ...query }),
  /** The workbook: 资金池, 代偿（按机构）, 贴息项目 (a CSV would hold the first sheet only). */
  export: (query: FiguresQuery) => api.download('/instruments/figures/export', { ...query, format: 'xlsx' }),
}
