import i18n from '../i18n';

const DIGITS: Record<string, number> = { JPY: 0, KRW: 0, CLP: 0, ISK: 0, VND: 0, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3 };

/** Minor units → "€35.00" in the current language. */
export function money(minor: number, currency: string): string {
  const digits = DIGITS[currency.toUpperCase()] ?? 2;
  const value = minor / 10 ** digits;
  try {
    return new Intl.NumberFormat(i18n.language, { style: 'currency', currency }).format(value);
  } catch {
    return `${value.toFixed(digits)} ${currency}`;
  }
}

/** Major units typed in a form → minor units. */
export function toMinor(major: number, currency: string): number {
  const digits = DIGITS[currency.toUpperCase()] ?? 2;
  return Math.round(major * 10 ** digits);
}

export function toMajor(minor: number, currency: string): number {
  const digits = DIGITS[currency.toUpperCase()] ?? 2;
  return minor / 10 ** digits;
}

export function dateTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  try {
    return new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
  } catch {
    return new Date(iso).toLocaleString();
  }
}

export function dateOnly(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  try {
    return new Intl.DateTimeFormat(i18n.language, { dateStyle: 'full', timeZone }).format(new Date(iso));
  } catch {
    return new Date(iso).toDateString();
  }
}

/** ISO instant → value of an `<input type="datetime-local">` (local time). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** `<input type="datetime-local">` value → ISO instant (or null when empty). */
export function fromLocalInput(v: string | null | undefined): string | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Remaining milliseconds as m:ss (or h:mm:ss). */
export function clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
