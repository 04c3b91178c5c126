// The server's 422 field errors, shown under their form fields (`<el-form-item :error="fieldErrors.x">`);
// every other error as a message with the contract's Chinese text.
import { ElMessage } from 'element-plus'
import { reactive, watch } from 'vue'

import { ApiError } from '@/api/http'

export function showError(error: unknown): void {
  const message = error instanceof ApiError ? error.message : '操作失败，请稍后再试'
  ElMessage.error({ message, grouping: true })
  if (!(error instanceof ApiError)) console.warn(error)
}

export function useFormErrors() {
  const fieldErrors = reactive<Record<string, string>>({})

  function clear(): void {
    for (const key of Object.keys(fieldErrors)) delete fieldErrors[key]
  }

  /** Shows `error`: field errors under their fields, and the message as a toast unless the page shows
   * it itself (`toast: false`). */
  function show(error: unknown, { toast = true } = {}): void {
    clear()
    if (error instanceof ApiError) {
      for (const [field, messages] of Object.entries(error.errors)) fieldErrors[field] = messages.join('；')
    }
    if (toast) showError(error)
  }

  /** Drops a field's error as soon as that field of `form` (keyed as the errors are) changes. */
  function clearOnChange(form: object): void {
    const snapshot = () => Object.fromEntries(Object.entries(form).map(([key, value]) => [key, JSON.stringify(value)]))
    watch(snapshot, (now, before) => {
      for (const key of Object.keys(now)) if (now[key] !== before[key]) delete fieldErrors[key]
    })
  }

  return { fieldErrors, clear, show, clearOnChange }
}
