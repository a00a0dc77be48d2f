import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import i18n from '../../i18n';
import { renderAt } from '../../test/renderApp';
import { setSession, type Role } from '../../api/auth';
import { exampleBatch, formatBatch } from '../../lib/bulk';

const SLUG = 'demo';
const WAIT = { timeout: 5000 };

function login(role: Role) {
  setSession(SLUG, {
    accessToken: 'token',
    refreshToken: null,
    expiresAt: Date.now() + 3_600_000,
    user: {
      id: 'u1',
      email: 'ana@example.com',
      role,
      display_name: 'Ana',
      active: true,
      is_member: false,
      created_at: '2030-01-01T00:00:00Z',
      updated_at: '2030-01-01T00:00:00Z',
    },
  });
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const problem = (body: Record<string, unknown>) =>
  new Response(JSON.stringify({ status: 422, title: 'Unprocessable Entity', ...body }), {
    status: 422,
    headers: { 'content-type': 'application/problem+json' },
  });

interface Sent {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: string;
}

let sent: Sent[];
let route: (s: Sent) => Response;

beforeEach(async () => {
  await i18n.changeLanguage('en');
  sent = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      const s = { method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body: await req.text() };
      sent.push(s);
      return route(s);
    }),
  );
  vi.stubGlobal('confirm', () => true);
});

afterEach(() => {
  vi.unstubAllGlobals();
  setSession(SLUG, null);
});

describe('notification template editor', { timeout: 20_000 }, () => {
  const builtIn = {
    name: 'order_confirmation',
    subject: 'Your tickets for {{ event.title }}',
    text: 'Hello {{ recipient.name }}',
    html: '<p>Hello {{ recipient.name }}</p>',
    sms: 'Order {{ order.id }}',
    overridden: ['sms'],
    updated_at: '2030-01-01T00:00:00Z',
  };

  it('saves the edited and customised parts, and shows invalid_template at the part at fault', async () => {
    login('tenant_admin');
    route = (s) => {
      if (s.method === 'GET' && s.path === '/api/v1/notifications/templates/order_confirmation') return json(builtIn);
      if (s.method === 'PUT')
        return problem({
          code: 'validation_failed',
          detail: 'html: syntax error: unexpected end of input (line 1)',
          field: 'html',
          errors: [{ field: 'html', code: 'invalid_template', message: 'syntax error: unexpected end of input (line 1)' }],
        });
      return json({}, 404);
    };
    renderAt('/console/demo/templates/order_confirmation');
    expect(await screen.findByRole('heading', { level: 1, name: /Order confirmation/ }, WAIT)).toBeInTheDocument();
    const html = screen.getByRole('textbox', { name: 'HTML body' });
    expect(html.textContent).toContain('<p>Hello {{ recipient.name }}</p>');
    // nothing changed yet: nothing to save
    const save = screen.getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();

    fireEvent.change(screen.getByLabelText('Subject'), { target: { value: 'Tickets: {{ event.title' } });
    expect(save).toBeEnabled();
    fireEvent.click(save);

    const alert = await screen.findByText('syntax error: unexpected end of input (line 1)');
    expect(alert).toHaveAttribute('role', 'alert');
    const put = sent.find((s) => s.method === 'PUT')!;
    expect(put.path).toBe('/api/v1/notifications/templates/order_confirmation');
    // the built-in text and HTML stay built-in; the customised SMS is kept
    expect(JSON.parse(put.body)).toEqual({ subject: 'Tickets: {{ event.title', sms: 'Order {{ order.id }}' });
    expect(html).toHaveAttribute('aria-invalid', 'true');
    expect(html.getAttribute('aria-describedby')).toContain(alert.id);
    expect(screen.getByLabelText('Subject')).toHaveAttribute('aria-invalid', 'false');
  });

  it('resets a part, or the whole template, to built-in', async () => {
    login('tenant_admin');
    let view = builtIn;
    route = (s) => {
      if (s.method === 'GET') return json(view);
      if (s.method === 'DELETE') {
        view = { ...builtIn, sms: 'Built-in SMS', overridden: [], updated_at: null as never };
        return new Response(null, { status: 204 });
      }
      return json({}, 404);
    };
    renderAt('/console/demo/templates/order_confirmation');
    await screen.findByRole('heading', { level: 1, name: /Order confirmation/ }, WAIT);
    // resetting the only customised part leaves nothing to PUT: the template is reset
    fireEvent.click(screen.getByRole('button', { name: 'Use built-in' }));
    expect(screen.getByText('The built-in version replaces this part when you save.')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByLabelText('SMS text')).toHaveValue('Built-in SMS'));
    const onTemplate = sent.filter((s) => s.path.startsWith('/api/v1/notifications/templates/'));
    expect(onTemplate.map((s) => s.method)).toEqual(['GET', 'DELETE', 'GET']);
    expect(screen.getByRole('button', { name: 'Reset to built-in' })).toBeDisabled();
  });

  it('lists the templates with what each has customised', async () => {
    login('tenant_admin');
    route = () => json([builtIn, { ...builtIn, name: 'refund_issued', overridden: [], updated_at: null }]);
    renderAt('/console/demo/templates');
    const row = (await screen.findByRole('link', { name: 'Order confirmation' }, WAIT)).closest('tr')!;
    expect(within(row).getByText('Customised')).toBeInTheDocument();
    expect(within(row).getByText('SMS text')).toBeInTheDocument();
    const other = screen.getByRole('link', { name: 'Refund issued' }).closest('tr')!;
    expect(within(other).getByText('Built-in')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Message templates' })).toHaveAttribute('href', '/console/demo/templates');
  });

  it('is for tenant admins only', async () => {
    login('organizer');
    route = () => json({ items: [], total: 0, page: 1, per_page: 25 });
    renderAt('/console/demo/templates');
    expect(await screen.findByText('Your role cannot open this page.', undefined, WAIT)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Message templates' })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Bulk import' })).toBeInTheDocument();
  });
});

describe('bulk import', { timeout: 20_000 }, () => {
  const created = (index: number) => ({
    index,
    status: 'created',
    id: `ev-${index}`,
    sessions: [{ id: `s-${index}`, ticket_type_ids: ['t1', 't2'] }],
  });

  it('sends the example with an Idempotency-Key, shows per-item ids and errors, and replays with the same key', async () => {
    login('organizer');
    let replay = false;
    route = (s) => {
      if (s.path !== '/api/v1/bulk/events') return json({ items: [], total: 0, page: 1, per_page: 100 });
      return json(
        {
          mode: 'partial',
          total: 2,
          created: 1,
          invalid: 1,
          import_id: 'imp-1',
          items: [
            created(0),
            {
              index: 1,
              status: 'invalid',
              errors: [{ field: 'items[1].sessions[0].starts_at', code: 'outside_event', message: 'must be within the event' }],
            },
          ],
        },
        200,
        replay ? { 'Idempotent-Replayed': 'true' } : {},
      );
    };
    renderAt('/console/demo/import');
    fireEvent.click(await screen.findByRole('button', { name: 'Insert example' }, WAIT));
    expect(await screen.findByText(/2 events, 3 dates, 4 ticket types/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('radio', { name: /Import the valid ones/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));

    expect(await screen.findByText('items[1].sessions[0].starts_at')).toBeInTheDocument();
    const post = sent.find((s) => s.method === 'POST')!;
    expect(post.query.get('mode')).toBe('partial');
    expect(post.headers.get('Content-Type')).toBe('application/json');
    const key = post.headers.get('Idempotency-Key');
    expect(key).toBeTruthy();
    expect(JSON.parse(post.body)).toHaveLength(2);
    expect(JSON.parse(post.body)[0].title).toBe(exampleBatch()[0].title);

    // the error names its place in the text: the second event's first date's starts_at
    const lines = formatBatch(exampleBatch(), 'json').split('\n');
    const jazz = lines.findIndex((l) => l.includes('"Jazz brunch"'));
    const at = lines.findIndex((l, i) => i > jazz && l.startsWith('        "starts_at"'));
    const column = lines[at].indexOf('"20') + 1;
    expect(screen.getByRole('button', { name: `Show items[1].sessions[0].starts_at in the editor (line ${at + 1}, column ${column})` })).toBeInTheDocument();
    expect(screen.getByText('must be within the event')).toBeInTheDocument();
    // only the invalid one is listed at first; all of them on demand
    expect(screen.queryByRole('link', { name: 'Open event' })).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Only invalid events'));
    expect(screen.getByRole('link', { name: 'Open event' })).toHaveAttribute('href', '/console/demo/events/ev-0');
    expect(screen.getByRole('group', { name: 'Imported' })).toHaveTextContent('1');

    // the same batch again: same key, and the answer says it is a replay
    replay = true;
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect((await screen.findAllByText(/This exact import was sent before/)).length).toBeGreaterThan(0);
    const posts = sent.filter((s) => s.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[1].headers.get('Idempotency-Key')).toBe(key);
  });

  it('sends an NDJSON file as NDJSON and shows a failed atomic import item by item', async () => {
    login('tenant_admin');
    route = (s) => {
      if (s.path !== '/api/v1/bulk/events') return json({ items: [], total: 0, page: 1, per_page: 100 });
      return problem({
        code: 'validation_failed',
        detail: 'validation failed',
        errors: [{ field: 'items[1].title', code: 'missing', message: 'missing field `title`' }],
        mode: 'atomic',
        total: 2,
        created: 0,
        invalid: 1,
        items: [
          { index: 0, status: 'not_imported' },
          { index: 1, status: 'invalid', errors: [{ field: 'items[1].title', code: 'missing', message: 'missing field `title`' }] },
        ],
      });
    };
    renderAt('/console/demo/import');
    const nd = formatBatch(exampleBatch(), 'ndjson').replace('"title":"Jazz brunch",', '');
    const file = new File([nd], 'events.ndjson', { type: 'application/x-ndjson' });
    fireEvent.change(await screen.findByLabelText('Load a file (.json, .ndjson)', undefined, WAIT), { target: { files: [file] } });
    expect(await screen.findByText(/NDJSON · 2 events/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));

    expect(await screen.findByText(/Nothing was imported: 1 events are invalid/)).toBeInTheDocument();
    const post = sent.find((s) => s.method === 'POST')!;
    expect(post.headers.get('Content-Type')).toBe('application/x-ndjson');
    expect(post.body).toBe(nd);
    expect(post.query.get('mode')).toBe('atomic');
    expect(screen.getByText('missing field `title`')).toBeInTheDocument();
    // a missing member points at its event: line 2 of the file
    expect(screen.getByRole('button', { name: /line 2, column 1\)/ })).toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Only invalid events'));
    expect(screen.getByText('Not imported')).toBeInTheDocument();
  });

  it('refuses text that is not JSON before sending, saying where', async () => {
    login('organizer');
    route = () => json({ items: [], total: 0, page: 1, per_page: 100 });
    renderAt('/console/demo/import');
    const file = new File(['[\n  {"title": "A",}\n]'], 'bad.json', { type: 'application/json' });
    fireEvent.change(await screen.findByLabelText('Load a file (.json, .ndjson)', undefined, WAIT), { target: { files: [file] } });
    expect(await screen.findByText(/Not valid JSON at line 2, column 17: expected a "key" in an object/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(sent.filter((s) => s.method === 'POST')).toHaveLength(0);
  });
});
