/** Where a Rhai error points in the source: 1-based line/column → offsets. */
export interface ScriptError {
  code: string;
  message: string;
  limit?: string;
  line?: number;
  column?: number;
}

export interface TestResult {
  name: string;
  passed: boolean;
  actual: unknown;
  expected: unknown;
  error?: ScriptError;
  log: string[];
}

/** The character range of a 1-based line/column in `source` (the rest of the token, at least one character). */
export function errorRange(source: string, line?: number, column?: number): { from: number; to: number } {
  const lines = source.split('\n');
  const l = Math.min(Math.max(1, line ?? 1), lines.length);
  let from = 0;
  for (let i = 0; i < l - 1; i++) from += lines[i].length + 1;
  const text = lines[l - 1] ?? '';
  if (column == null) return { from, to: from + Math.max(1, text.length) };
  const c = Math.min(Math.max(1, column), text.length + 1) - 1;
  const rest = /^\w+/.exec(text.slice(c))?.[0].length ?? 1;
  return { from: from + c, to: Math.min(from + text.length, from + c + rest) || from + c };
}

export function where(e: ScriptError): string {
  return e.line != null ? `${e.line}:${e.column ?? 1}` : '';
}
