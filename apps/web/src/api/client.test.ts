import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiFor, call } from './client';
import { ApiError } from './problem';
import { getSession, setSession } from './auth';

const user = {
  id: '00000000-0000-0000-0000-000000000001',
  email: 'a@demo.test',
  role: 'attendee',
  display_name: 'A',
  active: true, is_member: false,
  created_at: '2030-01-01T00:00:00Z',
  updated_at: '2030-01-01T00:00:00Z',
} as const;

function json(status: number, body: unknown, type = 'application/json') {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
}

describe('REST client', () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('sends X-Tenant and the bearer token', async () => {
    setSession('alpha', { accessToken: 'tok-1', refreshToken: null, expiresAt: Date.now() + 1e6, user: { ...user } });
    fetchMock.mockResolvedValueOnce(json(200, { id: 'e1' }));
    await call(apiFor('alpha').GET('/api/v1/events/{id}', { params: { path: { id: 'e1' } } }));
    const req = fetchMock.mock.calls[0][0] as Request;
    expect(new URL(req.url).pathname).toBe('/api/v1/events/e1');
    expect(req.headers.get('X-Tenant')).toBe('alpha');
    expect(req.headers.get('Authorization')).toBe('Bearer tok-1');
  });

  it('throws problem+json as an ApiError', async () => {
    fetchMock.mockResolvedValueOnce(
      json(422, { status: 422, code: 'validation_failed', field: 'title', detail: 'required', title: 'x', type: 't' }, 'application/problem+json'),
    );
    const err = await call(apiFor('bravo').POST('/api/v1/events', { body: {} as never })).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('validation_failed');
    expect(err.field).toBe('title');
    expect(err.status).toBe(422);
  });

  it('refreshes once on 401 and retries with the new token', async () => {
    setSession('charlie', { accessToken: 'old', refreshToken: 'r1', expiresAt: 0, user: { ...user } });
    fetchMock.mockImplementation(async (input: Request | string) => {
      const url = typeof input === 'string' ? input : input.url;
      if (url.endsWith('/api/v1/auth/refresh')) {
        return json(200, { access_token: 'new', token_type: 'Bearer', expires_in: 900, refresh_token: 'r2', user });
      }
      const auth = (input as Request).headers.get('Authorization');
      return auth === 'Bearer new' ? json(200, { ok: true }) : json(401, { code: 'invalid_token', status: 401 }, 'application/problem+json');
    });
    const data = await call(apiFor('charlie').GET('/api/v1/users/me'));
    expect(data).toEqual({ ok: true });
    expect(getSession('charlie')?.accessToken).toBe('new');
    expect(getSession('charlie')?.refreshToken).toBe('r2');
    const refreshCall = fetchMock.mock.calls.find((c) => String(typeof c[0] === 'string' ? c[0] : c[0].url).endsWith('/auth/refresh'));
    expect(JSON.parse(refreshCall![1].body)).toEqual({ refresh_token: 'r1' });
  });

  it('forgets the login when the refresh is refused', async () => {
    setSession('delta', { accessToken: 'old', refreshToken: 'bad', expiresAt: 0, user: { ...user } });
    fetchMock.mockImplementation(async () => json(401, { code: 'invalid_token', status: 401 }, 'application/problem+json'));
    const err = await call(apiFor('delta').GET('/api/v1/users/me')).catch((e) => e);
    expect(err.status).toBe(401);
    expect(getSession('delta')).toBeNull();
  });

  it('refreshes a platform admin login at the admin endpoint, without X-Tenant', async () => {
    setSession(null, { accessToken: 'old', refreshToken: 'p1', expiresAt: 0, user: { ...user } });
    fetchMock.mockImplementation(async (input: Request | string, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input.url;
      if (url.endsWith('/api/v1/admin/auth/refresh')) {
        expect(new Headers(init?.headers).has('x-tenant')).toBe(false);
        return json(200, { access_token: 'fresh', token_type: 'Bearer', expires_in: 900, refresh_token: 'p2', user });
      }
      if (url.endsWith('/api/v1/auth/refresh')) throw new Error('a tenant refresh for the platform login');
      const auth = (input as Request).headers.get('Authorization');
      return auth === 'Bearer fresh'
        ? json(200, { items: [], total: 0, page: 1, per_page: 25 })
        : json(401, { code: 'token_expired', status: 401 }, 'application/problem+json');
    });
    const data = await call(apiFor(null).GET('/api/v1/admin/tenants'));
    expect(data.total).toBe(0);
    expect(getSession(null)?.refreshToken).toBe('p2');
  });

  it('maps a network failure to network_error', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    const err = await call(apiFor('echo').GET('/api/v1/events')).catch((e) => e);
    expect(err.code).toBe('network_error');
  });
});
