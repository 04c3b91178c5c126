// What an enterprise does with its account: register, and 企业认证 (verification with the licence).
import { api } from './client'
import type { components } from './schema'
import type { User, VerificationRequest } from './models'

export type RegisterInput = components['schemas']['Register']

export const enterpriseApi = {
  register: (body: RegisterInput) => api.request<User>('POST', '/auth/register', { body, auth: false }),
  /** multipart: legal_representative, licence, optional authorization_letter. */
  submitVerification: (form: FormData) => api.post<VerificationRequest>('/auth/enterprise-verification', form),
  verification: () => api.get<VerificationRequest>('/auth/enterprise-verification'),
}
