import { forwardRef, useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError } from '../api/problem';

export function Spinner({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="spinner-wrap" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span className="sr-only">{label ?? t('common.loading')}</span>
    </div>
  );
}

export function Skeleton({ lines = 3, card = false }: { lines?: number; card?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className={card ? 'skeleton-card' : 'skeleton'} aria-busy="true" aria-label={t('common.loading')}>
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton-line" style={{ width: `${90 - ((i * 17) % 40)}%` }} />
      ))}
    </div>
  );
}

export function SkeletonGrid({ count = 6 }: { count?: number }) {
  return (
    <div className="grid">
      {Array.from({ length: count }, (_, i) => (
        <Skeleton key={i} card lines={4} />
      ))}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-icon" aria-hidden="true">∅</div>
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** A failed query: its problem, a retry button, and a login link on 401. */
export function ErrorView({ error, retry, loginTo }: { error: unknown; retry?: () => void; loginTo?: string }) {
  const { t } = useTranslation();
  const e = error instanceof ApiError ? error : null;
  return (
    <div className="panel error-panel" role="alert">
      <p>
        <strong>{e ? errorText(e, t) : t('common.error')}</strong>
      </p>
      {e && <p className="muted small">{e.code}</p>}
      <div className="row">
        {retry && (
          <button className="btn" onClick={retry}>
            {t('common.retry')}
          </button>
        )}
        {e?.status === 401 && loginTo && (
          <Link className="btn primary" to={loginTo}>
            {t('auth.login')}
          </Link>
        )}
      </div>
    </div>
  );
}

/** The human text of an error: a translation of its code when there is one. */
export function errorText(e: unknown, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (e instanceof ApiError) {
    const key = `errors.${e.code}`;
    const tr = t(key, { defaultValue: '' });
    return tr || e.detail || e.code;
  }
  return e instanceof Error ? e.message : String(e);
}

interface FieldProps {
  label: string;
  error?: string;
  hint?: string;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}

/** A label, a control, a hint and the control's error, wired for assistive tech. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children(id, describedBy)}
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errId} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

type InputProps = InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string; hint?: string };

export const TextField = forwardRef<HTMLInputElement, InputProps>(function TextField({ label, error, hint, ...rest }, ref) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(id, d) => <input id={id} ref={ref} aria-invalid={!!error} aria-describedby={d} {...rest} />}
    </Field>
  );
});

type AreaProps = TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; error?: string; hint?: string };

export const TextArea = forwardRef<HTMLTextAreaElement, AreaProps>(function TextArea({ label, error, hint, ...rest }, ref) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(id, d) => <textarea id={id} ref={ref} aria-invalid={!!error} aria-describedby={d} {...rest} />}
    </Field>
  );
});

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & { label: string; error?: string; hint?: string };

export const SelectField = forwardRef<HTMLSelectElement, SelectProps>(function SelectField(
  { label, error, hint, children, ...rest },
  ref,
) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(id, d) => (
        <select id={id} ref={ref} aria-invalid={!!error} aria-describedby={d} {...rest}>
          {children}
        </select>
      )}
    </Field>
  );
});

export function Pagination({
  page,
  perPage,
  total,
  onPage,
}: {
  page: number;
  perPage: number;
  total: number;
  onPage: (p: number) => void;
}) {
  const { t } = useTranslation();
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1) return null;
  return (
    <nav className="pagination" aria-label={t('common.pagination')}>
      <button className="btn" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ← {t('common.prev')}
      </button>
      <span aria-live="polite">{t('common.pageOf', { page, pages })}</span>
      <button className="btn" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('common.next')} →
      </button>
    </nav>
  );
}

export function Badge({ kind, children }: { kind?: string; children: ReactNode }) {
  return <span className={`badge badge-${kind ?? 'neutral'}`}>{children}</span>;
}

/** A session or event state with its colour and translated name. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Badge kind={status}>{t(`status.${status}`, { defaultValue: status.replace(/_/g, ' ') })}</Badge>;
}

/** A secret shown once, with a copy button. */
export function SecretBox({ label, value, onClose }: { label: string; value: string; onClose?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="panel secret" role="status">
      <p>
        <strong>{label}</strong> <span className="muted small">{t('common.shownOnce')}</span>
      </p>
      <code className="secret-value">{value}</code>
      <div className="row">
        <button className="btn" onClick={() => void navigator.clipboard?.writeText(value)}>
          {t('common.copy')}
        </button>
        {onClose && (
          <button className="btn" onClick={onClose}>
            {t('common.close')}
          </button>
        )}
      </div>
    </div>
  );
}

/** The first stop of the keyboard: jumps over the navigation. */
export function SkipLink() {
  const { t } = useTranslation();
  return (
    <a className="skip-link" href="#content">
      {t('common.skip')}
    </a>
  );
}
