import { onBeforeUnmount, ref } from 'vue'

/** True on a phone-sized screen (the layout's 768 px break), kept up to date. */
export function useNarrow() {
  const query = window.matchMedia('(max-width: 768px)')
  const narrow = ref(query.matches)
  const update = () => {
    narrow.value = query.matches
  }
  query.addEventListener('change', update)
  onBeforeUnmount(() => query.removeEventListener('change', update))
  return narrow
}
