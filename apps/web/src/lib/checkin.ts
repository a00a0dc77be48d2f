import { ApiError } from '../api/problem';
import type { components } from '../api/schema';

type CheckInResult = components['schemas']['CheckInResult'];

export interface Verdict {
  ok: boolean;
  /** i18n key of the headline. */
  title: string;
  code: string;
  ticket?: CheckInResult['ticket'];
  /** When and where a ticket was already used (409 `already_used`). */
  usedAt?: string | null;
  usedGate?: string | null;
  usedBy?: string | null;
  /** Why a ticket is not valid (422 `invalid_ticket`'s `reason`). */
  reason?: string | null;
  detail?: string;
}

/** What the door shows for a check-in answer: admitted, or why not. */
export function verdictOf(r: { result?: CheckInResult; error?: unknown }): Verdict {
  if (r.result) return { ok: true, title: 'checkin.admitted', code: 'admitted', ticket: r.result.ticket };
  const e = r.error;
  if (e instanceof ApiError) {
    if (e.code === 'already_used') {
      return {
        ok: false,
        title: 'checkin.alreadyUsed',
        code: e.code,
        usedAt: e.extra<string>('checked_in_at') ?? null,
        usedGate: e.extra<string>('gate') ?? null,
        usedBy: e.extra<string>('checked_in_by_name') ?? null,
        detail: e.detail,
      };
    }
    if (e.code === 'invalid_ticket') {
      return { ok: false, title: 'checkin.invalid', code: e.code, reason: e.extra<string>('reason') ?? null, detail: e.detail };
    }
    return { ok: false, title: 'checkin.error', code: e.code, detail: e.detail };
  }
  return { ok: false, title: 'checkin.error', code: 'error', detail: e instanceof Error ? e.message : String(e) };
}
