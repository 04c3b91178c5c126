// Government instruments (loan-service, issue 28), typed from the OpenAPI document: risk compensation
// funds (资金池, 追加资金, 关闭) and their claims (代偿申请, 核准, 驳回, 拨付, evidence files).
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

type Filters<Q> = { [K in keyof NonNullable<Q>]?: string | number | null }
export type FundQuery = Filters<paths['/api/v1/funds']['get']['parameters']['query']>
export type ClaimQuery = Filters<paths['/api/v1/claims']['get']['parameters']['query']>

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
