import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, fireEvent } from '@testing-library/react';
import i18n from '../../i18n';
import { renderAt } from '../../test/renderApp';
import { checkoutKey } from './CheckoutPage';

const ev = (id: string, title: string) => ({
  id,
  owner_id: 'u',
  title,
  description: '',
  category: 'music',
  venue: 'Arena',
  status: 'published',
  starts_at: '2030-06-01T18:00:00Z',
  ends_at: '2030-06-01T22:00:00Z',
  timezone: 'Europe/Madrid',
  created_at: '2030-01-01T00:00:00Z',
  updated_at: '2030-01-01T00:00:00Z',
});

describe('storefront', () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(async () => {
    await i18n.changeLanguage('en');
    fetchMock = vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      if (url.pathname === '/api/v1/tenant') {
        return new Response(JSON.stringify({ slug: 'demo', name: 'Demo Live', brand_color: '#0b3d2e', accent_color: null }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }
      const q = url.searchParams.get('q');
      const items = q ? [ev('e2', 'Rockfest')] : [ev('e1', 'Jazz night'), ev('e2', 'Rockfest')];
      return new Response(JSON.stringify({ items, total: items.length, page: 1, per_page: 12 }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('lists the tenant’s events with X-Tenant from the path, and searches after a pause', async () => {
    renderAt('/t/demo');
    expect(await screen.findByText('Jazz night')).toBeInTheDocument();
    const requests = fetchMock.mock.calls.map((c) => c[0] as Request);
    const first = requests.find((r) => new URL(r.url).pathname === '/api/v1/events');
    expect(first?.headers.get('X-Tenant')).toBe('demo');
    // The tenant's public face: its name in the header, its (readable) brand colour.
    expect(await screen.findByText('Demo Live')).toBeInTheDocument();
    expect(document.querySelector<HTMLElement>('.store')?.style.getPropertyValue('--brand')).toBe('#0b3d2e');

    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'ro' } });
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'roc' } });
    await waitFor(() => expect(screen.queryByText('Jazz night')).not.toBeInTheDocument());
    expect(screen.getByText('Rockfest')).toBeInTheDocument();
    const searched = fetchMock.mock.calls
      .map((c) => new URL((c[0] as Request).url))
      .filter((u) => u.pathname === '/api/v1/events')
      .map((u) => u.searchParams.get('q'))
      .filter(Boolean);
    // debounced: one request for the final text, none for the keystroke before it
    expect(searched).toEqual(['roc']);
  });

  it('keeps one Idempotency-Key per checkout', () => {
    const a = checkoutKey('hold-1');
    expect(checkoutKey('hold-1')).toBe(a);
    expect(checkoutKey('hold-2')).not.toBe(a);
  });
});
