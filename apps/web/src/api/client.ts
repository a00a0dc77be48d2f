/**
 * The REST client: openapi-fetch typed from the OpenAPI document, with
 * `X-Tenant`, the bearer token, one refresh on 401, and problem+json turned
 * into thrown ApiErrors by `call`.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError, toApiError } from './problem';
import { getSession, sessionFromPair, setSession, type TokenPair } from './auth';

export type Api = Client<paths>;

const NO_REFRESH = /\/api\/v1\/(auth|admin\/auth)\//;
const refreshing = new Map<string, Promise<boolean>>();

/**
 * Rotates the refresh token of a tenant's login (or the platform admin's
 * with `null`) once, however many requests ask at the same time.
 */
export function refreshSession(tenant: string | null, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  const key = tenant ?? '';
  const running = refreshing.get(key);
  if (running) return running;
  const p = (async () => {
    const s = getSession(tenant);
    if (!s?.refreshToken) return false;
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (tenant) headers['x-tenant'] = tenant;
      const res = await fetchImpl(tenant ? '/api/v1/auth/refresh' : '/api/v1/admin/auth/refresh', {
        method: 'POST',
        headers,
        body: JSON.stringify({ refresh_token: s.refreshToken }),
      });
      if (!res.ok) {
        setSession(tenant, null);
        return false;
      }
      setSession(tenant, sessionFromPair((await res.json()) as TokenPair));
      return true;
    } catch {
      return false;
    } finally {
      refreshing.delete(key);
    }
  })();
  refreshing.set(key, p);
  return p;
}

function middleware(tenant: string | null): Middleware {
  const retries = new Map<string, Request>();
  return {
    onRequest({ request, id }) {
      if (tenant) request.headers.set('X-Tenant', tenant);
      const s = getSession(tenant);
      if (s && !request.headers.has('Authorization')) {
        request.headers.set('Authorization', `Bearer ${s.accessToken}`);
      }
      if (s?.refreshToken && !NO_REFRESH.test(request.url)) retries.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const retry = retries.get(id);
      retries.delete(id);
      if (response.status === 401 && !retry && !tenant && !NO_REFRESH.test(response.url) && getSession(null)) {
        // A platform login from before refresh tokens: log in again.
        setSession(null, null);
      }
      if (response.status !== 401 || !retry) return response;
      if (!(await refreshSession(tenant))) return response;
      const s = getSession(tenant);
      if (s) retry.headers.set('Authorization', `Bearer ${s.accessToken}`);
      return fetch(retry);
    },
  };
}

const clients = new Map<string, Api>();

/** The client for a tenant, or for the platform admin with `null`. */
export function apiFor(tenant: string | null): Api {
  const key = tenant ?? '';
  let c = clients.get(key);
  if (!c) {
    c = createClient<paths>({
      baseUrl: typeof window !== 'undefined' ? window.location.origin : '',
      fetch: (req) => globalThis.fetch(req),
    });
    c.use(middleware(tenant));
    clients.set(key, c);
  }
  return c;
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits an openapi-fetch call: its data, or a thrown ApiError. */
export async function call<T>(p: Promise<FetchResult<T>>): Promise<T> {
  let r: FetchResult<T>;
  try {
    r = await p;
  } catch (e) {
    throw new ApiError(0, { code: 'network_error', detail: e instanceof Error ? e.message : String(e) });
  }
  if (r.error !== undefined || !r.response.ok) throw toApiError(r.response.status, r.error);
  return r.data as T;
}

/** Fetches a protected resource (e.g. a QR SVG) as text, with the same headers. */
export async function fetchText(tenant: string, path: string): Promise<string> {
  const doFetch = () => {
    const s = getSession(tenant);
    const headers: Record<string, string> = { 'X-Tenant': tenant };
    if (s) headers.Authorization = `Bearer ${s.accessToken}`;
    return fetch(path, { headers });
  };
  let res = await doFetch();
  if (res.status === 401 && (await refreshSession(tenant))) res = await doFetch();
  if (!res.ok) {
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON */
    }
    throw toApiError(res.status, body);
  }
  return res.text();
}

/** A fresh key for one checkout's `Idempotency-Key`. */
export function newIdempotencyKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
