import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { useStorePath, useTenant } from '../../lib/TenantContext';
import { useDebounced } from '../../lib/useDebounced';
import { dateTime } from '../../lib/format';
import { Empty, ErrorView, Pagination, SkeletonGrid, StatusBadge } from '../../components/ui';

const PER_PAGE = 12;

function dayStart(d: string): string | undefined {
  return d ? new Date(`${d}T00:00:00`).toISOString() : undefined;
}
function dayEnd(d: string): string | undefined {
  return d ? new Date(`${d}T23:59:59`).toISOString() : undefined;
}

export function EventList() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const p = useStorePath();
  const [sp, setSp] = useSearchParams();
  const [text, setText] = useState(sp.get('q') ?? '');
  const q = useDebounced(text.trim(), 300);
  const category = sp.get('category') ?? '';
  const from = sp.get('from') ?? '';
  const to = sp.get('to') ?? '';
  const page = Math.max(1, Number(sp.get('page') ?? '1') || 1);

  const set = (k: string, v: string) => {
    const n = new URLSearchParams(sp);
    if (v) n.set(k, v);
    else n.delete(k);
    if (k !== 'page') n.delete('page');
    setSp(n, { replace: true });
  };

  useEffect(() => {
    if ((sp.get('q') ?? '') !== q) set('q', q);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q]);

  const query = useQuery({
    queryKey: ['events', slug, { q, category, from, to, page }],
    queryFn: () =>
      call(
        api.GET('/api/v1/events', {
          params: {
            query: {
              q: q || undefined,
              category: category || undefined,
              from: dayStart(from),
              to: dayEnd(to),
              page,
              per_page: PER_PAGE,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

  return (
    <main className="container">
      <h1>{t('store.eventsTitle')}</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field grow">
          <label htmlFor="q">{t('store.search')}</label>
          <input
            id="q"
            type="search"
            value={text}
            maxLength={200}
            placeholder={t('store.searchPlaceholder')}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="cat">{t('store.category')}</label>
          <input
            id="cat"
            value={category}
            placeholder="music"
            onChange={(e) => set('category', e.target.value.toLowerCase().replace(/[^a-z0-9-]/g, ''))}
          />
        </div>
        <div className="field">
          <label htmlFor="from">{t('store.from')}</label>
          <input id="from" type="date" value={from} onChange={(e) => set('from', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="to">{t('store.to')}</label>
          <input id="to" type="date" value={to} onChange={(e) => set('to', e.target.value)} />
        </div>
        {(q || category || from || to) && (
          <button
            type="button"
            className="btn"
            onClick={() => {
              setText('');
              setSp(new URLSearchParams(), { replace: true });
            }}
          >
            {t('store.clear')}
          </button>
        )}
      </form>

      {query.isPending ? (
        <SkeletonGrid />
      ) : query.isError ? (
        <ErrorView error={query.error} retry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <Empty title={t('store.noEvents')}>{q && <p className="muted">{t('store.noMatch', { q })}</p>}</Empty>
      ) : (
        <>
          <p className="muted small" aria-live="polite">
            {t('store.resultCount', { count: query.data.total })}
            {query.isFetching && ' …'}
          </p>
          <ul className="grid cards">
            {query.data.items.map((e) => (
              <li key={e.id} className="card">
                {e.image_url && <img className="card-img" src={e.image_url} alt="" loading="lazy" />}
                <div className="card-body">
                  <div className="row between">
                    <span className="chip">{e.category}</span>
                    {e.status !== 'published' && <StatusBadge status={e.status} />}
                  </div>
                  <h2 className="card-title">
                    <Link to={p(`/events/${e.id}`)}>{e.title}</Link>
                  </h2>
                  <p className="muted small">{dateTime(e.starts_at, e.timezone)}</p>
                  {e.venue && <p className="small">📍 {e.venue}</p>}
                </div>
              </li>
            ))}
          </ul>
          <Pagination page={page} perPage={PER_PAGE} total={query.data.total} onPage={(n) => set('page', String(n))} />
        </>
      )}
    </main>
  );
}
