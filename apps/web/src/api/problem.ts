/** RFC 9457 problem documents as thrown errors, and their mapping onto forms. */

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  field?: string | null;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly problem: ProblemBody;

  constructor(status: number, problem: ProblemBody) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = problem.status ?? status;
    this.code = problem.code ?? (status === 0 ? 'network_error' : `http_${status}`);
    this.field = problem.field ?? null;
    this.detail = problem.detail ?? problem.title ?? '';
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.problem = problem;
  }

  /** A member beyond the standard ones (e.g. `checked_in_at` of `already_used`). */
  extra<T = unknown>(name: string): T | undefined {
    return this.problem[name] as T | undefined;
  }
}

/** Builds an ApiError from whatever an error body turned out to be. */
export function toApiError(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object') return new ApiError(status, body as ProblemBody);
  if (typeof body === 'string' && body) return new ApiError(status, { detail: body });
  return new ApiError(status, {});
}

/**
 * A problem's JSON path (`items[0].quantity`, `.title`, `body.admin.email`)
 * as a react-hook-form field name (`items.0.quantity`).
 */
export function toFormPath(field: string): string {
  return field
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^\$?\.+/, '')
    .replace(/^body\./, '')
    .replace(/\.+/g, '.')
    .replace(/\.$/, '');
}

export interface FieldMessage {
  name: string;
  message: string;
}

/**
 * The field messages of a problem, with names the form knows. `aliases`
 * renames server fields (e.g. `{ "admin.email": "email" }`). Fields the form
 * lacks are left out; the caller shows the rest as a toast.
 */
export function problemFieldErrors(
  err: ApiError,
  known: readonly string[],
  aliases: Record<string, string> = {},
): FieldMessage[] {
  const out: FieldMessage[] = [];
  const seen = new Set<string>();
  const add = (raw: string, message: string) => {
    const path = toFormPath(raw);
    const name = aliases[path] ?? path;
    const match = known.includes(name) ? name : known.find((k) => name.startsWith(k + '.'));
    if (match && !seen.has(match)) {
      seen.add(match);
      out.push({ name: match, message });
    }
  };
  for (const e of err.errors) add(e.field, e.message || e.code);
  if (err.field) add(err.field, err.detail || err.code);
  return out;
}

type SetError = (name: never, error: { type: string; message: string }, opts?: { shouldFocus?: boolean }) => void;

/**
 * Puts a problem's field errors on a react-hook-form form; focuses the first.
 * Returns false when nothing matched a field (show a toast instead).
 */
export function applyProblemToForm(
  err: unknown,
  setError: SetError,
  known: readonly string[],
  aliases?: Record<string, string>,
): boolean {
  if (!(err instanceof ApiError)) return false;
  const msgs = problemFieldErrors(err, known, aliases);
  msgs.forEach((m, i) =>
    setError(m.name as never, { type: 'server', message: m.message }, { shouldFocus: i === 0 }),
  );
  return msgs.length > 0;
}
