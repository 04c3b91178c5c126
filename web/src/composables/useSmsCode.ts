// 获取验证码 with the server's countdown: the resend wait it answers, or its Retry-After when throttled.
import { computed, ref } from 'vue'

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

  return { left, sending, sent, label, send }
}
