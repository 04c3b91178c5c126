// The one request wrapper of the app: every call to the platform's API goes through ApiClient.
//
// Tokens: the access token lives in memory only (a script injected into the page cannot find it in
// storage); the refresh token is kept in sessionStorage, so a reload of the tab signs the user in again
// while closing the tab ends it, and it is never shared with other tabs. An access token about to expire
// is refreshed before the request that needs it; a 401 on a signed-in request refreshes once and
// retries once; when refreshing fails the session ends and `onSessionEnded` runs (back to login).
// Every failure becomes an ApiError carrying the contract's `code`, its Chinese `message` and, for 422,
// the field errors.

import type { TokenPair, User } from './models'

export interface ErrorBody {
  code: string
  message: string
  errors?: Record<string, string[]>
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly errors: Record<string, string[]>
  /** Seconds to wait before trying again (429), when the server said so. */
  readonly retryAfter: number | null

  constructor(status: number, body: ErrorBody, retryAfter: number | null = null) {
    super(body.message)
    this.name = 'ApiError'
    this.status = status
    this.code = body.code
    this.errors = body.errors ?? {}
    this.retryAfter = retryAfter
  }
}

export interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  body?: unknown
  query?: Query
  /** false for the public endpoints that take no token (login, refresh, SMS codes). */
  auth?: boolean
}

export interface ClientOptions {
  baseUrl?: string
  storage?: KeyValueStorage | null
  fetch?: typeof fetch
  now?: () => number
  /** Refresh when the access token has fewer seconds than this left. */
  refreshMarginSeconds?: number
}

export const REFRESH_TOKEN_KEY = 'xyd.refresh_token'
const NETWORK_ERROR: ErrorBody = { code: 'network_error', message: '网络连接失败，请检查网络后重试' }
const SESSION_ENDED: ErrorBody = { code: 'unauthorized', message: '登录已失效，请重新登录' }

export function retryAfterSeconds(header: string | null): number | null {
  if (!header) return null
  const seconds = Number(header)
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : null
}

export class ApiClient {
  private readonly baseUrl: string
  private readonly storage: KeyValueStorage | null
  private readonly fetchImpl: typeof fetch
  private readonly now: () => number
  private readonly marginMs: number
  private accessToken: string | null = null
  private expiresAt = 0
  private refreshing: Promise<boolean> | null = null

  /** Runs when the session could not be kept alive (refresh refused or absent). */
  onSessionEnded: (() => void) | null = null
  /** Runs with every new token pair (login, refresh, password change): the user as the token says. */
  onUser: ((user: User) => void) | null = null

  constructor(options: ClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/$/, '') + '/api/v1'
    this.storage = options.storage ?? null
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.now = options.now ?? Date.now
    this.marginMs = (options.refreshMarginSeconds ?? 60) * 1000
  }

  get signedIn(): boolean {
    return this.accessToken !== null
  }

  get canRestore(): boolean {
    return this.storage?.getItem(REFRESH_TOKEN_KEY) != null
  }

  useTokens(pair: TokenPair): void {
    this.accessToken = pair.access_token
    this.expiresAt = this.now() + pair.expires_in * 1000
    this.storage?.setItem(REFRESH_TOKEN_KEY, pair.refresh_token)
    if (pair.user) this.onUser?.(pair.user)
  }

  /** Forget the session here (the server side is ended by logout). */
  clear(): void {
    this.accessToken = null
    this.expiresAt = 0
    this.storage?.removeItem(REFRESH_TOKEN_KEY)
  }

  /** A new token pair from the stored refresh token; false (and the session cleared) when refused.
   * Concurrent callers share one refresh: a refresh token is good for one use only. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null
      })
    }
    return this.refreshing
  }

  private async doRefresh(): Promise<boolean> {
    const refreshToken = this.storage?.getItem(REFRESH_TOKEN_KEY)
    if (!refreshToken) return false
    try {
      const pair = await this.send<TokenPair>('POST', '/auth/refresh', { body: { refresh_token: refreshToken } }, null)
      this.useTokens(pair)
      return true
    } catch (error) {
      if (error instanceof ApiError && error.code === 'network_error') throw error
      this.clear()
      return false
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    if (options.auth === false) return this.send<T>(method, path, options, null)
    return this.authorized((token) => this.send<T>(method, path, options, token))
  }

  /** Runs `call` with a fresh access token; on a 401, refreshes once and runs it once more. */
  private async authorized<T>(call: (token: string | null) => Promise<T>): Promise<T> {
    if (this.accessToken === null || this.now() >= this.expiresAt - this.marginMs) {
      if (!(await this.refresh()) && this.accessToken === null) this.endSession()
    }
    const used = this.accessToken
    try {
      return await call(used)
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error
    }
    // The token was refused (revoked, or the server's clock disagrees): one refresh, one retry. When
    // a concurrent request has already replaced the token, retrying with the new one is enough.
    if (this.accessToken === used && !(await this.refresh())) this.endSession()
    try {
      return await call(this.accessToken)
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.endSession()
      throw error
    }
  }

  /** A file the API answers with (an export, an uploaded document), with the name the server gave it. */
  download(path: string, query?: Query): Promise<{ blob: Blob; filename: string | null }> {
    return this.authorized(async (token) => {
      const headers: Record<string, string> = {}
      if (token) headers.Authorization = `Bearer ${token}`
      let response: Response
      try {
        response = await this.fetchImpl(this.url(path, query), { method: 'GET', headers })
      } catch {
        throw new ApiError(0, NETWORK_ERROR)
      }
      if (!response.ok) throw await this.failure(response)
      return { blob: await response.blob(), filename: filenameOf(response.headers.get('Content-Disposition')) }
    })
  }

  /** An upload whose progress is shown (fetch cannot report upload progress; XMLHttpRequest can): a
   * multipart form, or a file sent as the body with its own type. `onProgress` gets the share of the
   * body sent so far, 0–1. */
  upload<T>(path: string, body: FormData | Blob, onProgress?: (sent: number) => void): Promise<T> {
    return this.authorized((token) => new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open('POST', this.url(path))
      xhr.setRequestHeader('Accept', 'application/json')
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
      if (body instanceof Blob && body.type) xhr.setRequestHeader('Content-Type', body.type)
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total)
      }
      xhr.onerror = () => reject(new ApiError(0, NETWORK_ERROR))
      xhr.onload = () => {
        let data: unknown = null
        try {
          data = JSON.parse(xhr.responseText)
        } catch {
          data = null
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(data as T)
        else reject(errorOf(xhr.status, data, xhr.getResponseHeader('Retry-After')))
      }
      xhr.send(body)
    }))
  }

  private async failure(response: Response): Promise<ApiError> {
    let data: unknown = null
    try {
      data = await response.json()
    } catch {
      data = null
    }
    return errorOf(response.status, data, response.headers.get('Retry-After'))
  }

  private endSession(): never {
    this.clear()
    this.onSessionEnded?.()
    throw new ApiError(401, SESSION_ENDED)
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query })
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body })
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body })
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path)
  }

  private url(path: string, query?: Query): string {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') params.append(key, String(value))
    }
    const search = params.toString()
    return this.baseUrl + path + (search ? `?${search}` : '')
  }

  private async send<T>(method: string, path: string, options: RequestOptions, token: string | null): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    // A FormData body (file uploads) is sent as multipart: the browser writes its Content-Type.
    const multipart = typeof FormData !== 'undefined' && options.body instanceof FormData
    if (options.body !== undefined && !multipart) headers['Content-Type'] = 'application/json'
    if (token) headers.Authorization = `Bearer ${token}`
    let response: Response
    try {
      response = await this.fetchImpl(this.url(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : multipart ? (options.body as FormData) : JSON.stringify(options.body),
      })
    } catch {
      throw new ApiError(0, NETWORK_ERROR)
    }
    if (response.status === 204) return undefined as T
    let data: unknown = null
    try {
      data = await response.json()
    } catch {
      data = null
    }
    if (response.ok) return data as T
    throw errorOf(response.status, data, response.headers.get('Retry-After'))
  }
}

/** The contract's JSON error (or a generic one when the body is not JSON) as an ApiError. */
function errorOf(status: number, data: unknown, retryAfter: string | null): ApiError {
  const body = data as Partial<ErrorBody> | null
  return new ApiError(
    status,
    {
      code: body?.code ?? 'error',
      message: body?.message ?? `请求失败（${status}），请稍后再试`,
      errors: body?.errors,
    },
    retryAfterSeconds(retryAfter),
  )
}

/** The file name of a Content-Disposition header (RFC 6266: `filename*=UTF-8''…` first). */
export function filenameOf(header: string | null): string | null {
  if (!header) return null
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header)
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim())
    } catch {
      // a malformed encoding: fall back to the plain name
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header)
  return plain ? plain[1].trim() : null
}
