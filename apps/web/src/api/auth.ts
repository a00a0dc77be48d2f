/**
 * Logins, kept in localStorage: one per tenant (a token is only valid for
 * the tenant that issued it) and one for the platform admin.
 */
import { useSyncExternalStore } from 'react';
import type { components } from './schema';

export type UserView = components['schemas']['UserView'];
export type TokenPair = components['schemas']['TokenPair'];
export type Role = components['schemas']['Role'];

export interface Session {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number;
  user: UserView;
}

export const PLATFORM = '__platform__';
const KEY = 'taquilla.auth.';

const listeners = new Set<() => void>();
const cache = new Map<string, Session | null>();

function read(scope: string): Session | null {
  if (cache.has(scope)) return cache.get(scope) ?? null;
  let s: Session | null = null;
  try {
    const raw = localStorage.getItem(KEY + scope);
    s = raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    s = null;
  }
  cache.set(scope, s);
  return s;
}

export function getSession(scope: string | null): Session | null {
  return read(scope ?? PLATFORM);
}

export function setSession(scope: string | null, s: Session | null): void {
  const k = scope ?? PLATFORM;
  cache.set(k, s);
  try {
    if (s) localStorage.setItem(KEY + k, JSON.stringify(s));
    else localStorage.removeItem(KEY + k);
  } catch {
    /* private mode: keep it in memory */
  }
  listeners.forEach((l) => l());
}

export function sessionFromPair(p: TokenPair): Session {
  return {
    accessToken: p.access_token,
    refreshToken: p.refresh_token ?? null,
    expiresAt: Date.now() + p.expires_in * 1000,
    user: p.user,
  };
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key?.startsWith(KEY)) {
      cache.delete(e.key.slice(KEY.length));
      listeners.forEach((l) => l());
    }
  });
}

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The login of a tenant (or the platform with `null`), re-rendering on change. */
export function useSession(scope: string | null): Session | null {
  return useSyncExternalStore(subscribe, () => getSession(scope), () => null);
}

export const CONSOLE_ROLES: Role[] = ['tenant_admin', 'organizer', 'staff'];

export function hasRole(s: Session | null, ...roles: Role[]): boolean {
  return !!s && roles.includes(s.user.role);
}
