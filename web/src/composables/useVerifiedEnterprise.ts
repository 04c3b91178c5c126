import { ApiError } from '@/api/http'

/** The API's answer to an enterprise that has not passed 企业认证 (its own credit, authorizations,
 * disputes): pages show a state that leads to 企业认证 instead of an error message. */
export function isUnverified(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'enterprise_unverified'
}
