import { onBeforeUnmount, ref } from 'vue'

/** Seconds left before an action may be repeated (the server's resend_after or Retry-After). */
export function useCountdown() {
  const left = ref(0)
  let timer: number | undefined

  function start(seconds: number): void {
    window.clearInterval(timer)
    left.value = Math.max(0, Math.ceil(seconds))
    if (left.value === 0) return
    timer = window.setInterval(() => {
      left.value -= 1
      if (left.value <= 0) window.clearInterval(timer)
    }, 1000)
  }

  onBeforeUnmount(() => window.clearInterval(timer))
  return { left, start }
}
