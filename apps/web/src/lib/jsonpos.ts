/**
 * Where things are in a JSON text: a small strict parser that keeps the
 * offsets of every value (and of object keys), so an error path from the
 * server (`items[3].sessions[0].starts_at`) can be shown in the editor, and
 * a syntax error gets a line and column whatever the browser's
 * `JSON.parse` message looks like. Values themselves come from `JSON.parse`.
 */

export interface JsonNode {
  /** Offset of the value's first character. */
  start: number;
  /** Offset just after the value. */
  end: number;
  /** Members of an object (by key) or elements of an array (by index). */
  children?: Map<string | number, JsonNode>;
}

export class JsonSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'JsonSyntaxError';
    this.offset = offset;
  }
}

const WS = new Set([' ', '\t', '\n', '\r']);

/**
 * Parses the JSON value in `text[from..to)` (whitespace around it allowed)
 * into its positions. Throws a JsonSyntaxError at the first fault.
 */
export function parsePositions(text: string, from = 0, to = text.length): JsonNode {
  let i = from;
  const fail = (msg: string, at = i): never => {
    throw new JsonSyntaxError(msg, Math.min(at, to));
  };
  const ws = () => {
    while (i < to && WS.has(text[i])) i++;
  };
  const str = (): string => {
    // text[i] === '"'
    const start = ++i;
    let out = '';
    let chunk = start;
    while (i < to) {
      const c = text[i];
      if (c === '"') {
        out += text.slice(chunk, i);
        i++;
        return out;
      }
      if (c === '\\') {
        out += text.slice(chunk, i);
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape in a string', i);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          if (e === undefined || !(e in map)) fail('bad escape in a string', i);
          out += map[e];
          i += 2;
        }
        chunk = i;
        continue;
      }
      if (c < ' ') fail('control character in a string');
      i++;
    }
    return fail('unterminated string', start - 1);
  };
  const value = (): JsonNode => {
    ws();
    if (i >= to) fail('unexpected end of input');
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const children = new Map<string | number, JsonNode>();
      ws();
      if (text[i] === '}') {
        i++;
        return { start, end: i, children };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a "key" in an object');
        const key = str();
        ws();
        if (text[i] !== ':') fail('expected ":" after a key');
        i++;
        children.set(key, value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { start, end: i, children };
        }
        fail('expected "," or "}" in an object');
      }
    }
    if (c === '[') {
      i++;
      const children = new Map<string | number, JsonNode>();
      ws();
      if (text[i] === ']') {
        i++;
        return { start, end: i, children };
      }
      for (let n = 0; ; n++) {
        children.set(n, value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { start, end: i, children };
        }
        fail('expected "," or "]" in an array');
      }
    }
    if (c === '"') {
      str();
      return { start, end: i };
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i) && i + lit.length <= to) {
        i += lit.length;
        return { start, end: i };
      }
    }
    const num = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, Math.min(to, i + 400)));
    if (num) {
      i += num[0].length;
      return { start, end: i };
    }
    return fail(`unexpected character ${JSON.stringify(c)}`);
  };
  const root = value();
  ws();
  if (i < to) fail('unexpected text after the JSON value');
  return root;
}

/** 1-based line and column of an offset. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** `items[3].sessions[0].starts_at` → `['items', 3, 'sessions', 0, 'starts_at']`. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\[(\d+)\]|\.?([^.[\]]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2]);
  }
  return out;
}

/**
 * The node at `path` under `node`, or the deepest one that exists on the
 * way (`exact` false: e.g. a required member that is missing).
 */
export function nodeAt(node: JsonNode, path: readonly (string | number)[]): { node: JsonNode; exact: boolean } {
  let cur = node;
  for (const seg of path) {
    const next = cur.children?.get(seg);
    if (!next) return { node: cur, exact: false };
    cur = next;
  }
  return { node: cur, exact: true };
}
