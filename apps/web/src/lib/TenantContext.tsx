import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { apiFor, call, type Api } from '../api/client';

interface TenantCtx {
  slug: string;
  /** Path prefix of storefront links: `/t/demo`, or `` when the host names the tenant. */
  base: string;
  api: Api;
}

const Ctx = createContext<TenantCtx | null>(null);

export function TenantProvider({ slug, base, children }: { slug: string; base: string; children: ReactNode }) {
  const value = useMemo(() => ({ slug, base, api: apiFor(slug) }), [slug, base]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useTenant(): TenantCtx {
  const c = useContext(Ctx);
  if (!c) throw new Error('useTenant outside a tenant route');
  return c;
}

/** Builds a storefront link under the tenant's prefix. */
export function useStorePath(): (p: string) => string {
  const { base } = useTenant();
  return (p: string) => `${base}${p.startsWith('/') ? p : '/' + p}` || '/';
}

/** The tenant's public face (name, colours): no login needed. */
export function usePublicTenant() {
  const { api, slug } = useTenant();
  return useQuery({
    queryKey: ['public-tenant', slug],
    queryFn: () => call(api.GET('/api/v1/tenant')),
    staleTime: 10 * 60_000,
    retry: false,
  });
}
