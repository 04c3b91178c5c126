// The app's one API client: same origin as the page (the gateway serves both).
import { ApiClient } from './http'

export const api = new ApiClient({
  storage: typeof window === 'undefined' ? null : window.sessionStorage,
})
