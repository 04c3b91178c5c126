// 获取验证码 with the server's countdown: the resend wait it answers, or its Retry-After when throttled.
import { computed, ref, type Ref } from 'vue'

import { authApi, type SmsPurpose } from '@/api/auth'
import { ApiError } from '@/api/http'

import { useCountdown } from './useCountdown'

export function useSmsCode(purpose: SmsPurpose) {
  const { left, start } = useCountdown()
  const sending = ref(false)
  const sent = ref(false)
  const label = computed(() => (left.value > 0 ? `${left.value} 秒后重新获取` : '获取验证码'))

  /** Sends a code to `phone`; throws the ApiError (after starting the countdown when throttled). */
  async function send(phone: string): Promise<void> {
    sending.value = true
    try {
      const answer = await authApi.sendCode(phone, purpose)
      start(answer.resend_after)
      sent.value = true
    } catch (error) {
      if (error instanceof ApiError && error.retryAfter) start(error.retryAfter)
      throw error
    } finally {
      sending.value = false
    }
  }

  /** 获取验证码 on a form: the phone field is checked first (`checkPhone` rejects when it is wrong), then
   * the code is sent; how it went is said in `notice` or `problem`. Answers the failure, if any. */
  async function request(phone: string, checkPhone: () => Promise<unknown> | undefined,
    said: { notice: Ref<string>; problem: Ref<string> }): Promise<unknown> {
    said.problem.value = ''
    said.notice.value = ''
    try {
      await checkPhone()
    } catch {
      return null
    }
    try {
      await send(phone)
      said.notice.value = '验证码已发送，请查收短信'
      return null
    } catch (error) {
      said.problem.value = error instanceof ApiError ? error.message : '验证码发送失败，请稍后再试'
      return error
    }
  }

  return { left, sending, sent, label, send, request }
}
