import { useState } from 'react';
import { Link } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { useSession } from '../../api/auth';
import { useStorePath, useTenant } from '../../lib/TenantContext';
import { dateTime, money, toMinor } from '../../lib/format';
import { toastError } from '../../lib/forms';
import { Empty, ErrorView, Pagination, SkeletonGrid, errorText } from '../../components/ui';
import { useLoginPath } from './StoreApp';

/** Tickets other buyers resell, at most the tenant's cap over face value. */
export function ResalePage() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const p = useStorePath();
  const session = useSession(slug);
  const loginPath = useLoginPath();
  const qc = useQueryClient();
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['resale', slug, page],
    placeholderData: keepPreviousData,
    queryFn: () => call(api.GET('/api/v1/resale', { params: { query: { page, per_page: 24 } } })),
  });
  const done = () => {
    void qc.invalidateQueries({ queryKey: ['resale', slug] });
    void qc.invalidateQueries({ queryKey: ['my-tickets', slug] });
  };
  const buy = useMutation({
    mutationFn: (id: string) => call(api.POST('/api/v1/resale/{id}/buy', { params: { path: { id } } })),
    onSuccess: () => {
      toast.success(t('resale.bought'));
      done();
    },
    onError: toastError,
  });
  const withdraw = useMutation({
    mutationFn: (id: string) => call(api.DELETE('/api/v1/resale/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      toast.success(t('resale.withdrawn'));
      done();
    },
    onError: toastError,
  });
  return (
    <main className="container">
      <h1>{t('resale.title')}</h1>
      <p className="muted">{t('resale.intro')}</p>
      {q.isPending ? (
        <SkeletonGrid count={3} />
      ) : q.isError ? (
        <ErrorView error={q.error} retry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <Empty title={t('resale.none')} />
      ) : (
        <>
          <ul className="grid cards">
            {q.data.items.map((l) => {
              const mine = session?.user.id === l.seller_id;
              return (
                <li key={l.id} className="card">
                  <div className="card-body">
                    <h2 className="card-title">
                      <Link to={p(`/events/${l.event_id}`)}>{l.event_title}</Link>
                    </h2>
                    <p className="small">{dateTime(l.session_starts_at)}</p>
                    <p className="small">
                      {l.ticket_type_name}
                      {l.seat_label && ` · ${t('tickets.seat')} ${l.seat_label}`}
                    </p>
                    <p>
                      <strong>{money(l.price_minor, l.currency)}</strong>{' '}
                      <span className="muted small">{t('resale.face', { amount: money(l.face_value_minor, l.currency) })}</span>
                    </p>
                    {mine ? (
                      <button className="btn danger" disabled={withdraw.isPending} onClick={() => withdraw.mutate(l.id)}>
                        {t('resale.withdraw')}
                      </button>
                    ) : session ? (
                      <button
                        className="btn primary"
                        disabled={buy.isPending}
                        onClick={() => confirm(t('resale.confirmBuy', { price: money(l.price_minor, l.currency) })) && buy.mutate(l.id)}
                      >
                        {t('resale.buy')}
                      </button>
                    ) : (
                      <Link className="btn primary" to={loginPath}>
                        {t('store.loginToBuy')}
                      </Link>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
          <Pagination page={page} perPage={24} total={q.data.total} onPage={setPage} />
        </>
      )}
    </main>
  );
}

/** Puts one of the caller's tickets up for resale. */
export function ResellForm({ ticketId, ticketTypeId, onDone }: { ticketId: string; ticketTypeId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const tt = useQuery({
    queryKey: ['ticket-type', slug, ticketTypeId],
    queryFn: () => call(api.GET('/api/v1/ticket-types/{id}', { params: { path: { id: ticketTypeId } } })),
  });
  const currency = tt.data?.currency ?? 'EUR';
  const [price, setPrice] = useState('');
  const [error, setError] = useState<string | null>(null);
  const list = useMutation({
    mutationFn: (price_minor: number) =>
      call(api.POST('/api/v1/tickets/{id}/resale', { params: { path: { id: ticketId } }, body: { price_minor } })),
    onSuccess: () => {
      toast.success(t('resale.listed'));
      onDone();
    },
    onError: (e) => setError(errorText(e, t)),
  });
  const id = `resell-${ticketId}`;
  return (
    <form
      className="row wrap"
      onSubmit={(e) => {
        e.preventDefault();
        const n = Number(price);
        if (!price || !Number.isFinite(n) || n <= 0) {
          setError(t('v.positive'));
          return;
        }
        setError(null);
        list.mutate(toMinor(n, currency));
      }}
    >
      <label htmlFor={id} className="small">
        {t('resale.price', { currency })}
      </label>
      {tt.data && <span className="muted small">{t('resale.face', { amount: money(tt.data.price_minor, currency) })}</span>}
      <input
        id={id}
        type="number"
        step="0.01"
        min="0"
        value={price}
        onChange={(e) => setPrice(e.target.value)}
        aria-invalid={!!error}
        aria-describedby={error ? `${id}-err` : undefined}
        style={{ width: '7rem' }}
      />
      <button className="btn small primary" type="submit" disabled={list.isPending}>
        {t('resale.list')}
      </button>
      {error && (
        <small id={`${id}-err`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </form>
  );
}
