import { describe, expect, it } from 'vitest';
import { countBatch, exampleBatch, formatBatch, itemTitle, locator, parseBatch, resultFromError } from './bulk';
import { lineCol, parsePath, parsePositions, JsonSyntaxError } from './jsonpos';
import { ApiError } from '../api/problem';

const ok = (text: string) => {
  const b = parseBatch(text);
  if (!b.ok) throw new Error(`not ok: ${JSON.stringify(b)}`);
  return b;
};

describe('reading a batch', () => {
  it('takes a JSON array', () => {
    const b = ok('  [{"title": "A"}, {"title": "B"}]\n');
    expect(b.format).toBe('json');
    expect(b.items).toEqual([{ title: 'A' }, { title: 'B' }]);
  });

  it('takes NDJSON, one item per non-blank line, CRLF too', () => {
    const b = ok('{"title": "A"}\r\n\n  \n{"title": "B", "sessions": []}\n');
    expect(b.format).toBe('ndjson');
    expect(b.items.map(itemTitle)).toEqual(['A', 'B']);
    expect(b.spans.map((s) => s.line)).toEqual([1, 4]);
  });

  it('says where a syntax error is, in either format', () => {
    const arr = parseBatch('[\n  {"title": "A"},\n  {"title": "B",}\n]');
    expect(arr).toMatchObject({ ok: false, format: 'json', reason: 'syntax', line: 3, column: 17 });
    const nd = parseBatch('{"title": "A"}\n{"title": "B"\n{"title": "C"}');
    expect(nd).toMatchObject({ ok: false, format: 'ndjson', reason: 'syntax', line: 2 });
    // a pretty-printed object is not NDJSON: its first line is cut short
    expect(parseBatch('{\n  "title": "A"\n}')).toMatchObject({ ok: false, format: 'ndjson', line: 1 });
  });

  it('refuses nothing, an empty array and a lone object', () => {
    expect(parseBatch('  \n ')).toMatchObject({ ok: false, reason: 'empty' });
    expect(parseBatch('[]')).toMatchObject({ ok: false, reason: 'empty' });
    expect(parseBatch('[1] [2]')).toMatchObject({ ok: false, reason: 'syntax', line: 1, column: 5 });
  });

  it('counts events, sessions and ticket types', () => {
    expect(countBatch(exampleBatch(new Date('2030-01-01T00:00:00Z')))).toEqual({ events: 2, sessions: 3, ticketTypes: 4 });
    expect(countBatch([{ sessions: 'x' }, null, 3])).toEqual({ events: 3, sessions: 0, ticketTypes: 0 });
  });
});

describe('the example', () => {
  it('is a month ahead, with sessions inside their event and ticket types within capacity', () => {
    const items = exampleBatch(new Date('2030-01-10T08:00:00Z'));
    expect(items[0].starts_at).toBe('2030-02-09T16:00:00Z');
    for (const ev of items) {
      expect(ev.ends_at > ev.starts_at).toBe(true);
      for (const s of ev.sessions ?? []) {
        expect(s.starts_at >= ev.starts_at && s.ends_at <= ev.ends_at).toBe(true);
        const sold = (s.ticket_types ?? []).reduce((n, t) => n + (t.capacity ?? 0), 0);
        expect(sold).toBeLessThanOrEqual(s.capacity);
      }
    }
  });

  it('round-trips through both formats', () => {
    const items = exampleBatch();
    for (const f of ['json', 'ndjson'] as const) {
      const b = ok(formatBatch(items, f));
      expect(b.format).toBe(f);
      expect(b.items).toEqual(items);
    }
    expect(formatBatch(items, 'ndjson').trim().split('\n')).toHaveLength(2);
  });
});

describe('error paths', () => {
  it('parse into segments', () => {
    expect(parsePath('items[3].sessions[0].starts_at')).toEqual(['items', 3, 'sessions', 0, 'starts_at']);
    expect(parsePath('items[12]')).toEqual(['items', 12]);
    expect(parsePath('items')).toEqual(['items']);
  });

  const json = `[
  {"title": "A", "sessions": []},
  {
    "title": "B",
    "sessions": [
      {"title": "S", "starts_at": "2030-06-01T18:00:00Z", "ticket_types": [{"name": "GA"}]}
    ]
  }
]`;

  it('point at the value in a JSON array', () => {
    const loc = locator(json, ok(json));
    const at = loc('items[1].sessions[0].starts_at')!;
    expect(json.slice(at.from, at.to)).toBe('"2030-06-01T18:00:00Z"');
    expect(at).toMatchObject({ line: 6, exact: true });
    expect(at.column).toBe(json.split('\n')[5].indexOf('"2030') + 1);
    const tt = loc('items[1].sessions[0].ticket_types[0].name')!;
    expect(json.slice(tt.from, tt.to)).toBe('"GA"');
  });

  it('fall back to the nearest container when the member is missing', () => {
    const loc = locator(json, ok(json));
    const missing = loc('items[1].sessions[0].ends_at')!;
    expect(missing.exact).toBe(false);
    expect(json[missing.from]).toBe('{');
    expect(missing.line).toBe(6);
    expect(loc('items[0]')).toMatchObject({ line: 2, column: 3, exact: true });
    expect(loc('items')).toBeNull();
    expect(loc('items[9].title')).toBeNull();
  });

  it('point at the line and value in NDJSON', () => {
    const nd = '{"title": "A"}\n\n{"title": "B", "sessions": [{"capacity": -1}]}\n';
    const loc = locator(nd, ok(nd));
    const at = loc('items[1].sessions[0].capacity')!;
    expect(nd.slice(at.from, at.to)).toBe('-1');
    expect(at).toMatchObject({ line: 3, exact: true });
    expect(loc('items[0].title')).toMatchObject({ line: 1, column: 11 });
  });

  it('come with every item’s status from a failed atomic import', () => {
    const items = [
      { index: 0, status: 'not_imported' },
      { index: 1, status: 'invalid', errors: [{ field: 'items[1].title', code: 'required', message: 'missing field `title`' }] },
    ];
    const e = new ApiError(422, {
      code: 'validation_failed',
      errors: items[1].errors,
      mode: 'atomic',
      total: 2,
      created: 0,
      invalid: 1,
      items,
    });
    expect(resultFromError(e)).toEqual({ mode: 'atomic', total: 2, created: 0, invalid: 1, items, import_id: null });
    expect(resultFromError(new ApiError(422, { code: 'idempotency_key_reused' }))).toBeNull();
    expect(resultFromError(new ApiError(413, { code: 'too_many_items', items: 1001 }))).toBeNull();
  });
});

describe('the position scanner', () => {
  it('agrees with JSON.parse on what is JSON', () => {
    const good = ['{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"]}', '  []  ', '"\\"quoted\\""', '0'];
    for (const g of good) expect(() => parsePositions(g)).not.toThrow();
    const bad = ['{"a":1,}', '[01]', '{a:1}', '"tab\there"', 'nul', '[1 2]', '"\\x"', '{"a" 1}'];
    for (const b of bad) {
      expect(() => JSON.parse(b)).toThrow();
      expect(() => parsePositions(b)).toThrow(JsonSyntaxError);
    }
  });

  it('counts lines and columns from 1', () => {
    expect(lineCol('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineCol('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
