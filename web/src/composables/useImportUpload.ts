// A file import's upload (信用数据导入, 还款导入): the upload's progress, then the server's work, then the
// result. Large files show how much has been sent; the request's failure is shown as a message.
import { computed, ref } from 'vue'

import { showError } from './useFormErrors'

export type ImportPhase = 'idle' | 'uploading' | 'processing' | 'done'

export function useImportUpload() {
  const phase = ref<ImportPhase>('idle')
  const progress = ref(0)
  const busy = computed(() => phase.value === 'uploading' || phase.value === 'processing')

  /** Sends with `upload` (given the progress callback); the answer, or null when it failed. */
  async function run<T>(upload: (onProgress: (sent: number) => void) => Promise<T>): Promise<T | null> {
    progress.value = 0
    phase.value = 'uploading'
    try {
      const answer = await upload((sent) => {
        progress.value = Math.round(sent * 100)
        if (sent >= 1) phase.value = 'processing'
      })
      phase.value = 'done'
      return answer
    } catch (error) {
      phase.value = 'idle'
      showError(error)
      return null
    }
  }

  return { phase, progress, busy, run }
}
