import { toast } from 'sonner';
import type { FieldValues, UseFormSetError } from 'react-hook-form';
import { applyProblemToForm } from '../api/problem';
import { errorText } from '../components/ui';
import i18n from '../i18n';

/**
 * Shows a failed submit: field errors on the form where the problem names a
 * field the form has, else a toast.
 */
export function reportFormError<T extends FieldValues>(
  err: unknown,
  setError: UseFormSetError<T>,
  fields: readonly string[],
  aliases?: Record<string, string>,
): void {
  const mapped = applyProblemToForm(err, setError as never, fields, aliases);
  if (!mapped) toast.error(errorText(err, i18n.t.bind(i18n) as never));
}

/** A toast for a failed action. */
export function toastError(err: unknown): void {
  toast.error(errorText(err, i18n.t.bind(i18n) as never));
}

/** Empty strings from inputs become null (the API's "not set"). */
export function blankToNull<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = v === '' ? null : v;
  return out as T;
}
