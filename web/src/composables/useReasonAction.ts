import { reactive } from 'vue'

import { ApiError } from '@/api/http'
import { showError } from '@/composables/useFormErrors'

/**
 * The state of one action that must say why (驳回, 核销), for a ReasonDialog: `start()` opens it clean,
 * `confirm(reason)` runs `act` with the reason and closes it; meanwhile `busy`. The server's complaint
 * about the reason is shown under it (`error`), anything else as a message.
 *
 *   const rejection = useReasonAction(async (reason) => changed(await api.reject(id, reason), '已驳回'))
 *   <ReasonDialog v-model="rejection.open" :busy="rejection.busy" :error="rejection.error" @confirm="rejection.confirm" />
 */
export function useReasonAction(act: (reason: string) => Promise<unknown>) {
  const action = reactive({
    open: false,
    busy: false,
    error: '',
    start() {
      action.error = ''
      action.open = true
    },
    async confirm(reason: string) {
      action.busy = true
      try {
        await act(reason)
        action.open = false
      } catch (error) {
        if (error instanceof ApiError && error.errors.reason) action.error = error.errors.reason.join('；')
        else showError(error)
      } finally {
        action.busy = false
      }
    },
  })
  return action
}
