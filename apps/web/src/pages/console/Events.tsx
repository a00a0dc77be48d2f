import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { useDebounced } from '../../lib/useDebounced';
import { dateTime } from '../../lib/format';
import { Empty, ErrorView, Pagination, Skeleton, StatusBadge } from '../../components/ui';
import { EventForm } from './EventForm';
import { useCan, useConsolePath } from './shared';

const PER_PAGE = 20;

export default function Events() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const cp = useConsolePath();
  const can = useCan();
  const nav = useNavigate();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 300);
  const [status, setStatus] = useState<'' | 'draft' | 'published' | 'cancelled'>('');
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: ['console-events', slug, q, status, page],
    placeholderData: keepPreviousData,
    queryFn: () =>
      call(
        api.GET('/api/v1/events', {
          params: { query: { q: q || undefined, status: status || undefined, page, per_page: PER_PAGE } },
        }),
      ),
  });
  return (
    <div>
      <div className="row between wrap">
        <h1>{t('console.nav.events')}</h1>
        {can.organize && (
          <div className="row">
            <Link className="btn" to={cp('/import')}>
              {t('bulk.link')}
            </Link>
            <button className="btn primary" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
              {creating ? t('common.cancel') : t('ev.new')}
            </button>
          </div>
        )}
      </div>
      {creating && (
        <section className="panel">
          <h2>{t('ev.new')}</h2>
          <EventForm
            submitLabel={t('common.create')}
            onSubmit={async (body) => {
              const e = await call(api.POST('/api/v1/events', { body }));
              toast.success(t('ev.created'));
              void qc.invalidateQueries({ queryKey: ['console-events'] });
              void qc.invalidateQueries({ queryKey: ['console-events-all'] });
              nav(cp(`/events/${e.id}`));
            }}
          />
        </section>
      )}
      <div className="filters">
        <div className="field grow">
          <label htmlFor="ev-q">{t('store.search')}</label>
          <input id="ev-q" type="search" value={text} onChange={(e) => { setText(e.target.value); setPage(1); }} />
        </div>
        <div className="field">
          <label htmlFor="ev-status">{t('ev.status')}</label>
          <select id="ev-status" value={status} onChange={(e) => { setStatus(e.target.value as typeof status); setPage(1); }}>
            <option value="">{t('common.all')}</option>
            <option value="draft">{t('status.draft')}</option>
            <option value="published">{t('status.published')}</option>
            <option value="cancelled">{t('status.cancelled')}</option>
          </select>
        </div>
      </div>
      {list.isPending ? (
        <Skeleton lines={8} />
      ) : list.isError ? (
        <ErrorView error={list.error} retry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty title={t('store.noEvents')} />
      ) : (
        <>
          <table className="table">
            <thead>
              <tr>
                <th>{t('ev.title')}</th>
                <th>{t('ev.category')}</th>
                <th>{t('ev.startsAt')}</th>
                <th>{t('ev.status')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link to={cp(`/events/${e.id}`)}>{e.title}</Link>
                  </td>
                  <td>{e.category}</td>
                  <td>{dateTime(e.starts_at, e.timezone)}</td>
                  <td>
                    <StatusBadge status={e.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pagination page={page} perPage={PER_PAGE} total={list.data.total} onPage={setPage} />
        </>
      )}
    </div>
  );
}
