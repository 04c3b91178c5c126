// The API client against a real HTTP server standing in for the gateway: tokens, refresh before
// expiry, one refresh and retry on a 401, the end of the session, and the contract's errors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { ApiClient, ApiError, REFRESH_TOKEN_KEY, type KeyValueStorage } from '../src/api/http'

const USER = { id: 7, phone: '13700000001', name: '信贷经理', role: 'institution', institution_id: 3,
  enterprise_uscc: null, region_code: null, must_change_password: false }

/** The stand-in gateway's state: which tokens are good, and what it saw. */
const state = {
  validAccess: new Set<string>(),
  validRefresh: new Set<string>(),
  issued: 0,
  refreshCalls: 0,
  seen: [] as { method: string; url: string; authorization: string | undefined; body: string }[],
}

function pair(): object {
  state.issued += 1
  const access = `access-${state.issued}`
  const refresh = `refresh-${state.issued}`
  state.validAccess.add(access)
  state.validRefresh.add(refresh)
  return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 900, user: USER }
}

function reply(res: ServerResponse, status: number, body?: object, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
  res.end(body === undefined ? undefined : JSON.stringify(body))
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  let body = ''
  for await (const chunk of req) body += chunk
  state.seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body })
  const token = req.headers.authorization?.replace(/^Bearer /, '')
  const url = new URL(req.url!, 'http://x')
  if (url.pathname === '/api/v1/auth/login') return reply(res, 200, pair())
  if (url.pathname === '/api/v1/auth/refresh') {
    state.refreshCalls += 1
    const { refresh_token: presented } = JSON.parse(body)
    if (!state.validRefresh.delete(presented)) return reply(res, 401, { code: 'unauthorized', message: '登录已失效，请重新登录' })
    return reply(res, 200, pair())
  }
  if (url.pathname === '/api/v1/auth/sms-codes') {
    return reply(res, 429, { code: 'throttled', message: '验证码发送过于频繁，请稍后再试' }, { 'Retry-After': '37' })
  }
  if (!token || !state.validAccess.has(token)) return reply(res, 401, { code: 'unauthorized', message: '未登录或登录已失效' })
  if (url.pathname === '/api/v1/products' && req.method === 'POST') {
    return reply(res, 422, { code: 'validation_error', message: '提交的数据有误', errors: { amount_max: ['金额应大于 0'] } })
  }
  if (url.pathname === '/api/v1/auth/logout') return reply(res, 204)
  return reply(res, 200, { path: url.pathname, query: Object.fromEntries(url.searchParams), token })
}

/** The ApiError `promise` fails with. */
async function failed(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
  throw new Error('expected the request to fail')
}

let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

class MemoryStorage implements KeyValueStorage {
  values = new Map<string, string>()
  getItem(key: string) {
    return this.values.get(key) ?? null
  }
  setItem(key: string, value: string) {
    this.values.set(key, value)
  }
  removeItem(key: string) {
    this.values.delete(key)
  }
}

let clock = 0
let storage: MemoryStorage
let ended = 0

function client(): ApiClient {
  const api = new ApiClient({ baseUrl: base, storage, now: () => clock })
  api.onSessionEnded = () => {
    ended += 1
  }
  return api
}

async function signedIn(): Promise<ApiClient> {
  const api = client()
  api.useTokens(await api.request('POST', '/auth/login', { body: {}, auth: false }))
  return api
}

beforeEach(() => {
  clock = 1_000_000
  storage = new MemoryStorage()
  ended = 0
  state.validAccess.clear()
  state.validRefresh.clear()
  state.refreshCalls = 0
  state.seen = []
})

describe('tokens', () => {
  it('sends the access token and keeps only the refresh token in storage', async () => {
    const api = await signedIn()
    const answer = await api.get<{ token: string; query: Record<string, string> }>('/orders', { status: 'submitted', q: '' })
    expect(answer.token).toMatch(/^access-/)
    expect(answer.query).toEqual({ status: 'submitted' })
    expect([...storage.values.keys()]).toEqual([REFRESH_TOKEN_KEY])
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toMatch(/^refresh-/)
  })

  it('refreshes before a request when the access token is about to expire', async () => {
    const api = await signedIn()
    clock += 850 * 1000 // 50 s left, inside the one-minute margin
    const answer = await api.get<{ token: string }>('/orders')
    expect(state.refreshCalls).toBe(1)
    expect(answer.token).toBe(`access-${state.issued}`)
  })

  it('restores a session after a reload from the stored refresh token', async () => {
    await signedIn()
    const reloaded = client() // memory gone, storage kept
    let user: unknown = null
    reloaded.onUser = (u) => {
      user = u
    }
    expect(reloaded.signedIn).toBe(false)
    expect(reloaded.canRestore).toBe(true)
    expect(await reloaded.refresh()).toBe(true)
    expect(user).toEqual(USER)
    expect((await reloaded.get<{ path: string }>('/auth/me')).path).toBe('/api/v1/auth/me')
  })
})

describe('a 401', () => {
  it('refreshes once and retries once when the token is refused', async () => {
    const api = await signedIn()
    state.validAccess.clear() // e.g. the server restarted its key set
    const answer = await api.get<{ token: string }>('/orders')
    expect(state.refreshCalls).toBe(1)
    expect(answer.token).toBe(`access-${state.issued}`)
    expect(ended).toBe(0)
  })

  it('ends the session when the refresh is refused too', async () => {
    const api = await signedIn()
    state.validAccess.clear()
    state.validRefresh.clear()
    const failure = await failed(api.get('/orders'))
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure.status).toBe(401)
    expect(failure.message).toBe('登录已失效，请重新登录')
    expect(state.refreshCalls).toBe(1)
    expect(ended).toBe(1)
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBeNull()
    expect(api.signedIn).toBe(false)
  })

  it('shares one refresh between concurrent requests (a refresh token is single use)', async () => {
    const api = await signedIn()
    state.validAccess.clear()
    const answers = await Promise.all([api.get('/orders'), api.get('/products/mine'), api.get('/notifications')])
    expect(answers).toHaveLength(3)
    expect(state.refreshCalls).toBe(1)
    expect(ended).toBe(0)
  })

  it('without any session goes straight to login', async () => {
    const api = client()
    const failure = await failed(api.get('/orders'))
    expect(failure.status).toBe(401)
    expect(ended).toBe(1)
    expect(state.seen.filter((r) => r.url.startsWith('/api/v1/orders'))).toHaveLength(0)
  })
})

describe('errors', () => {
  it('carry the contract code, the Chinese message and the field errors', async () => {
    const api = await signedIn()
    const failure = await failed(api.post('/products', { name: 'x' }))
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure.status).toBe(422)
    expect(failure.code).toBe('validation_error')
    expect(failure.message).toBe('提交的数据有误')
    expect(failure.errors).toEqual({ amount_max: ['金额应大于 0'] })
  })

  it('carry Retry-After of a throttled request', async () => {
    const api = client()
    const failure = await failed(api.request('POST', '/auth/sms-codes', { body: { phone: '13700000001' }, auth: false }))
    expect(failure.code).toBe('throttled')
    expect(failure.retryAfter).toBe(37)
    expect(state.seen.at(-1)?.authorization).toBeUndefined()
  })

  it('turn an unreachable server into a network error without ending the session', async () => {
    const api = new ApiClient({ baseUrl: 'http://127.0.0.1:1', storage, now: () => clock })
    const failure = await failed(api.request('POST', '/auth/login', { body: {}, auth: false }))
    expect(failure.code).toBe('network_error')
    expect(failure.message).toBe('网络连接失败，请检查网络后重试')
  })

  it('answer 204 with nothing', async () => {
    const api = await signedIn()
    expect(await api.post('/auth/logout')).toBeUndefined()
  })
})
