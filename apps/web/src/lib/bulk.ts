/**
 * Bulk import of events (`POST /bulk/events`): reading what the user pasted
 * or uploaded (a JSON array, or NDJSON: one event per line), the example
 * batch, and where the server's error paths (`items[3].sessions[0].starts_at`)
 * are in the text.
 */
import type { components } from '../api/schema';
import { ApiError } from '../api/problem';
import { JsonSyntaxError, lineCol, nodeAt, parsePath, parsePositions, type JsonNode } from './jsonpos';

export type BulkResult = components['schemas']['BulkResult'];
export type BulkItemResult = components['schemas']['BulkItemResult'];
export type BulkMode = components['schemas']['BulkMode'];
export type BulkFormat = 'json' | 'ndjson';

/** Most events one batch may carry (the server's limit). */
export const MAX_ITEMS = 1000;

/** An item of an NDJSON text: where its line is. */
interface Span {
  start: number;
  end: number;
  line: number;
}

export type ParsedBatch =
  | { ok: true; format: BulkFormat; items: unknown[]; spans: Span[] }
  | { ok: false; format: BulkFormat | null; reason: 'empty' | 'syntax' | 'not_array'; line?: number; column?: number; message?: string };

/** Where a syntax error is, by our own scanner (JSON.parse messages vary by browser). */
function syntaxAt(text: string, from: number, to: number, fallback: unknown): { line?: number; column?: number; message: string } {
  try {
    parsePositions(text, from, to);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { ...lineCol(text, e.offset), message: e.message };
  }
  return { message: fallback instanceof Error ? fallback.message : String(fallback) };
}

/**
 * Reads a batch: a JSON array when the text starts with `[`, else NDJSON
 * (one JSON value per non-blank line, as the server reads it).
 */
export function parseBatch(text: string): ParsedBatch {
  const first = /\S/.exec(text);
  if (!first) return { ok: false, format: null, reason: 'empty' };
  if (first[0] === '[') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { ok: false, format: 'json', reason: 'syntax', ...syntaxAt(text, 0, text.length, e) };
    }
    if (!Array.isArray(value)) return { ok: false, format: 'json', reason: 'not_array' };
    if (value.length === 0) return { ok: false, format: 'json', reason: 'empty' };
    return { ok: true, format: 'json', items: value, spans: [] };
  }
  const items: unknown[] = [];
  const spans: Span[] = [];
  let start = 0;
  let line = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end);
    if (raw.trim()) {
      try {
        items.push(JSON.parse(raw));
      } catch (e) {
        const at = syntaxAt(text, start, end, e);
        return { ok: false, format: 'ndjson', reason: 'syntax', line: at.line ?? line, column: at.column, message: at.message };
      }
      spans.push({ start, end, line });
    }
    start = end + 1;
    line++;
  }
  return { ok: true, format: 'ndjson', items, spans };
}

/** How many events, sessions and ticket types a batch holds. */
export function countBatch(items: unknown[]): { events: number; sessions: number; ticketTypes: number } {
  let sessions = 0;
  let ticketTypes = 0;
  for (const it of items) {
    const ss = (it as { sessions?: unknown })?.sessions;
    if (!Array.isArray(ss)) continue;
    sessions += ss.length;
    for (const s of ss) {
      const tt = (s as { ticket_types?: unknown })?.ticket_types;
      if (Array.isArray(tt)) ticketTypes += tt.length;
    }
  }
  return { events: items.length, sessions, ticketTypes };
}

/** The title of an item, when it has one. */
export function itemTitle(item: unknown): string | null {
  const t = (item as { title?: unknown } | null)?.title;
  return typeof t === 'string' && t.trim() ? t : null;
}

/** Where an error path points in the text. */
export interface Location {
  from: number;
  to: number;
  line: number;
  column: number;
  /** False when the path names something absent (a missing member): the location is its parent's. */
  exact: boolean;
}

/**
 * A locator of the server's error paths in the text the batch was read
 * from. Paths start at the batch (`items[3]…`); `items[i]` is the i-th
 * element of the array, or the i-th non-blank line of NDJSON.
 */
export function locator(text: string, batch: Extract<ParsedBatch, { ok: true }>): (path: string) => Location | null {
  let root: JsonNode | null | undefined;
  const lines = new Map<number, JsonNode | null>();
  const itemNode = (i: number): JsonNode | null => {
    if (batch.format === 'json') {
      if (root === undefined) {
        try {
          root = parsePositions(text);
        } catch {
          root = null;
        }
      }
      return root?.children?.get(i) ?? null;
    }
    if (!lines.has(i)) {
      const s = batch.spans[i];
      let n: JsonNode | null = null;
      if (s) {
        try {
          n = parsePositions(text, s.start, s.end);
        } catch {
          n = null;
        }
      }
      lines.set(i, n);
    }
    return lines.get(i) ?? null;
  };
  return (path: string) => {
    const segs = parsePath(path);
    if (segs[0] === 'items') segs.shift();
    const idx = segs.shift();
    if (typeof idx !== 'number') return null;
    const item = itemNode(idx);
    if (!item) return null;
    const { node, exact } = nodeAt(item, segs);
    // A whole container is too much to underline: its first character will do.
    const to = exact && !node.children ? node.end : node.start + 1;
    return { from: node.start, to, ...lineCol(text, node.start), exact };
  };
}

/**
 * The per-item result in a failed atomic import: 422 `validation_failed`
 * carries the same members as a result (`items`, `total`, …).
 */
export function resultFromError(e: unknown): BulkResult | null {
  if (!(e instanceof ApiError) || e.status !== 422) return null;
  const items = e.extra<BulkItemResult[]>('items');
  if (!Array.isArray(items)) return null;
  const n = (k: string, d: number) => {
    const v = e.extra<number>(k);
    return typeof v === 'number' ? v : d;
  };
  return {
    mode: e.extra<BulkMode>('mode') ?? 'atomic',
    total: n('total', items.length),
    created: n('created', 0),
    invalid: n('invalid', items.filter((i) => i.status === 'invalid').length),
    items,
    import_id: null,
  };
}

type Example = components['schemas']['BulkEventItem'];

/** A valid batch of two events, a month from `now`, with their dates and ticket types. */
export function exampleBatch(now: Date = new Date()): Example[] {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 30));
  const at = (days: number, hour: number) => new Date(day.getTime() + days * 86_400_000 + hour * 3_600_000).toISOString().replace('.000Z', 'Z');
  return [
    {
      title: 'Rockfest',
      description: 'Two stages, one night.',
      category: 'music',
      venue: 'City Arena',
      status: 'published',
      timezone: 'Europe/Madrid',
      starts_at: at(0, 16),
      ends_at: at(0, 23),
      sessions: [
        {
          title: 'Main stage',
          venue: 'Main',
          capacity: 500,
          starts_at: at(0, 18),
          ends_at: at(0, 22),
          ticket_types: [
            { name: 'General admission', price_minor: 3500, currency: 'EUR', capacity: 450 },
            { name: 'VIP', price_minor: 9000, currency: 'EUR', capacity: 50, max_per_order: 4 },
          ],
        },
        {
          title: 'Club stage',
          venue: 'Club',
          capacity: 150,
          starts_at: at(0, 19),
          ends_at: at(0, 23),
          ticket_types: [{ name: 'General admission', price_minor: 2000, currency: 'EUR', capacity: 150 }],
        },
      ],
    },
    {
      title: 'Jazz brunch',
      category: 'music',
      venue: 'Blue Note Café',
      timezone: 'Europe/Madrid',
      starts_at: at(7, 10),
      ends_at: at(7, 14),
      sessions: [
        {
          title: 'Brunch',
          capacity: 80,
          starts_at: at(7, 11),
          ends_at: at(7, 13),
          ticket_types: [{ name: 'Seat and brunch', price_minor: 4500, currency: 'EUR', capacity: 80, min_per_order: 1 }],
        },
      ],
    },
  ];
}

/** A batch as text in either format. */
export function formatBatch(items: unknown[], format: BulkFormat): string {
  return format === 'json' ? JSON.stringify(items, null, 2) + '\n' : items.map((i) => JSON.stringify(i)).join('\n') + '\n';
}
