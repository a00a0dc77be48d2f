/**
 * Which tenant a page belongs to.
 *
 * URL scheme: storefront `/t/:slug/...`, console `/console/:slug/...`,
 * platform admin `/admin/...` (no tenant). When the path names no tenant
 * (e.g. `/` on `demo.localhost:8080`), the host's first label is the tenant,
 * as the server does with `<slug>.<TAQUILLA_BASE_DOMAIN>`.
 */

/** The server's rule: 3–40 characters, a letter first, no `--`, not reserved. */
const SLUG = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;
const RESERVED = new Set(['www', 'api', 'admin', 'app', 'static', 'assets', 'public', 'mail']);

export function isSlug(s: string): boolean {
  return s.length >= 3 && s.length <= 40 && SLUG.test(s) && !RESERVED.has(s);
}

/** The slug in a path: `/t/{slug}/…` or `/console/{slug}/…`. */
export function slugFromPath(pathname: string): string | null {
  const m = /^\/(?:t|console)\/([^/]+)/.exec(pathname);
  if (!m) return null;
  const s = decodeURIComponent(m[1]).toLowerCase();
  return isSlug(s) ? s : null;
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/**
 * The slug a host names: `demo.localhost` → `demo` (base domain
 * `localhost`), `demo.tickets.example.com` → `demo` (base
 * `tickets.example.com`). Without a known base domain, any host of three or
 * more labels gives its first label.
 */
export function slugFromHost(hostname: string, baseDomain?: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (!host || isIp(host)) return null;
  let sub: string | null = null;
  const base = (baseDomain ?? '').toLowerCase();
  if (base && host.endsWith('.' + base)) {
    sub = host.slice(0, -(base.length + 1));
  } else {
    const labels = host.split('.');
    if (labels.length >= 3 || (labels.length === 2 && labels[1] === 'localhost')) sub = labels[0];
  }
  if (!sub || sub.includes('.') || !isSlug(sub)) return null;
  return sub;
}

export const BASE_DOMAIN: string = (import.meta.env.VITE_BASE_DOMAIN as string | undefined) ?? 'localhost';

/** The tenant of a location: the path first, then the host. */
export function resolveTenant(pathname: string, hostname: string, baseDomain: string = BASE_DOMAIN): string | null {
  if (pathname.startsWith('/admin')) return null;
  return slugFromPath(pathname) ?? slugFromHost(hostname, baseDomain);
}

/** True when the host (not the path) names the tenant. */
export function hostTenant(): string | null {
  return typeof window === 'undefined' ? null : slugFromHost(window.location.hostname, BASE_DOMAIN);
}

/**
 * A tenant's brand colour if white text on it stays readable (WCAG AA,
 * contrast ≥ 4.5:1), else null and the default brand stays.
 */
export function readableBrand(color: string | null | undefined): string | null {
  const m = /^#([0-9a-f]{6})$/i.exec(color ?? '');
  if (!m) return null;
  const channel = (i: number) => {
    const c = parseInt(m[1].slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  return 1.05 / (luminance + 0.05) >= 4.5 ? color!.toLowerCase() : null;
}
