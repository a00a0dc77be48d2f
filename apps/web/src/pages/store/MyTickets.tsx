import { useState } from 'react';
import { Link } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { useSession } from '../../api/auth';
import { useStorePath, useTenant } from '../../lib/TenantContext';
import { dateTime } from '../../lib/format';
import { QrSvg } from '../../components/QrSvg';
import { ResellForm } from './ResalePage';
import { Empty, ErrorView, Pagination, SkeletonGrid, StatusBadge } from '../../components/ui';
import { useLoginPath } from './StoreApp';

const PER_PAGE = 12;

export function MyTickets() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const p = useStorePath();
  const session = useSession(slug);
  const loginPath = useLoginPath();
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<'' | 'active' | 'used' | 'void'>('');
  const [reselling, setReselling] = useState<string | null>(null);
  const q = useQuery({
    queryKey: ['my-tickets', slug, page, status],
    enabled: !!session,
    placeholderData: keepPreviousData,
    queryFn: () =>
      call(
        api.GET('/api/v1/users/me/tickets', {
          params: { query: { page, per_page: PER_PAGE, status: status || undefined } },
        }),
      ),
  });
  if (!session) {
    return (
      <main className="container narrow">
        <p>{t('tickets.loginFirst')}</p>
        <Link className="btn primary" to={loginPath}>
          {t('auth.login')}
        </Link>
      </main>
    );
  }
  return (
    <main className="container">
      <div className="row between wrap">
        <h1>{t('nav.myTickets')}</h1>
        <label className="inline">
          {t('tickets.show')}{' '}
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as typeof status);
              setPage(1);
            }}
          >
            <option value="">{t('tickets.all')}</option>
            <option value="active">{t('status.active')}</option>
            <option value="used">{t('status.used')}</option>
            <option value="void">{t('status.void')}</option>
          </select>
        </label>
      </div>
      {q.isPending ? (
        <SkeletonGrid count={3} />
      ) : q.isError ? (
        <ErrorView error={q.error} retry={() => void q.refetch()} loginTo={loginPath} />
      ) : q.data.items.length === 0 ? (
        <Empty title={t('tickets.none')}>
          <Link to={p('/')}>{t('nav.events')}</Link>
        </Empty>
      ) : (
        <>
          <ul className="grid tickets">
            {q.data.items.map((tk) => (
              <li key={tk.id} className={`card ticket ticket-${tk.status}`}>
                <div className="card-body">
                  <div className="row between">
                    <strong>{tk.event.title}</strong>
                    <StatusBadge status={tk.status} />
                  </div>
                  <p className="small">
                    {tk.session.title} · {dateTime(tk.session.starts_at, tk.event.timezone)}
                  </p>
                  <p className="small">
                    {tk.ticket_type.name}
                    {tk.seat_label && ` · ${t('tickets.seat')} ${tk.seat_label}`}
                    {tk.session.venue && ` · ${tk.session.venue}`}
                  </p>
                  {tk.status === 'active' && <QrSvg tenant={slug} ticketId={tk.id} label={t('tickets.qrFor', { event: tk.event.title })} />}
                  {tk.token && tk.status === 'active' && (
                    <details className="small">
                      <summary>{t('tickets.code')}</summary>
                      <code className="secret-value">{tk.token}</code>
                    </details>
                  )}
                  {tk.status === 'active' &&
                    (reselling === tk.id ? (
                      <ResellForm
                        ticketId={tk.id}
                        ticketTypeId={tk.ticket_type.id}
                        onDone={() => {
                          setReselling(null);
                          void q.refetch();
                        }}
                      />
                    ) : (
                      <button className="btn small" onClick={() => setReselling(tk.id)}>
                        {t('resale.sell')}
                      </button>
                    ))}
                  {tk.status === 'used' && (
                    <p className="small muted">
                      {t('tickets.usedAt', { when: dateTime(tk.checked_in_at), gate: tk.gate ?? '—' })}
                    </p>
                  )}
                </div>
              </li>
            ))}
          </ul>
          <Pagination page={page} perPage={PER_PAGE} total={q.data.total} onPage={setPage} />
        </>
      )}
    </main>
  );
}
