import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import type { components } from '../../api/schema';
import { useStorePath, useTenant } from '../../lib/TenantContext';
import { dateOnly, dateTime, money } from '../../lib/format';
import { Empty, ErrorView, Skeleton, StatusBadge } from '../../components/ui';

type SessionView = components['schemas']['SessionView'];
type EventView = components['schemas']['EventView'];

export const BUYABLE = new Set(['presale', 'on_sale']);

export function useTicketTypes(sid: string | undefined) {
  const { api, slug } = useTenant();
  return useQuery({
    queryKey: ['ticket-types', slug, sid],
    queryFn: () => call(api.GET('/api/v1/sessions/{sid}/ticket-types', { params: { path: { sid: sid! } } })),
    enabled: !!sid,
  });
}

function SessionCard({ s, event }: { s: SessionView; event: EventView }) {
  const { t } = useTranslation();
  const p = useStorePath();
  const tt = useTicketTypes(s.id);
  const types = tt.data ?? [];
  const available = types.reduce((n, x) => n + x.available, 0);
  const prices = types.map((x) => x.price_minor);
  const currency = types[0]?.currency ?? 'EUR';
  return (
    <li className="card session-card">
      <div className="card-body">
        <div className="row between">
          <h3 className="card-title">{s.title}</h3>
          <StatusBadge status={s.status} />
        </div>
        <p className="small">
          🕒 {dateTime(s.starts_at, event.timezone)} – {dateTime(s.ends_at, event.timezone)}
        </p>
        {s.venue && <p className="small">📍 {s.venue}</p>}
        {s.presenter && <p className="small">🎤 {s.presenter}</p>}
        {tt.isPending ? (
          <Skeleton lines={1} />
        ) : types.length > 0 ? (
          <p className="small">
            {Math.max(...prices) === 0
              ? t('store.free')
              : Math.min(...prices) === Math.max(...prices)
                ? money(prices[0], currency)
                : t('store.priceRange', { min: money(Math.min(...prices), currency), max: money(Math.max(...prices), currency) })}
            {' · '}
            {available > 0 ? t('store.availableCount', { count: available }) : <strong>{t('store.soldOut')}</strong>}
          </p>
        ) : (
          <p className="small muted">{t('store.freeEntry')}</p>
        )}
        <Link className={`btn ${BUYABLE.has(s.status) ? 'primary' : ''}`} to={p(`/events/${event.id}/sessions/${s.id}`)}>
          {BUYABLE.has(s.status) ? t('store.getTickets') : t('store.details')}
        </Link>
      </div>
    </li>
  );
}

export function EventPage() {
  const { t } = useTranslation();
  const { eventId = '' } = useParams();
  const { api, slug } = useTenant();
  const p = useStorePath();
  const ev = useQuery({
    queryKey: ['event', slug, eventId],
    queryFn: () => call(api.GET('/api/v1/events/{id}', { params: { path: { id: eventId } } })),
  });
  const sessions = useQuery({
    queryKey: ['sessions', slug, eventId],
    queryFn: () => call(api.GET('/api/v1/events/{id}/sessions', { params: { path: { id: eventId } } })),
  });
  if (ev.isPending) {
    return (
      <main className="container">
        <Skeleton lines={6} />
      </main>
    );
  }
  if (ev.isError) {
    return (
      <main className="container">
        <ErrorView error={ev.error} retry={() => void ev.refetch()} />
      </main>
    );
  }
  const e = ev.data;
  return (
    <main className="container">
      <nav className="crumbs" aria-label={t('nav.breadcrumbs')}>
        <Link to={p('/')}>{t('nav.events')}</Link> / <span>{e.title}</span>
      </nav>
      <article className="event-hero">
        {e.image_url && <img src={e.image_url} alt="" className="hero-img" />}
        <div>
          <div className="row">
            <span className="chip">{e.category}</span>
            {e.status !== 'published' && <StatusBadge status={e.status} />}
          </div>
          <h1>{e.title}</h1>
          <p className="muted">
            {dateOnly(e.starts_at, e.timezone)}
            {e.venue && ` · ${e.venue}`}
          </p>
          {e.description && <p className="prewrap">{e.description}</p>}
        </div>
      </article>
      <h2>{t('store.sessions')}</h2>
      {sessions.isPending ? (
        <Skeleton lines={4} />
      ) : sessions.isError ? (
        <ErrorView error={sessions.error} retry={() => void sessions.refetch()} />
      ) : sessions.data.length === 0 ? (
        <Empty title={t('store.noSessions')} />
      ) : (
        <ul className="grid cards">
          {sessions.data.map((s) => (
            <SessionCard key={s.id} s={s} event={e} />
          ))}
        </ul>
      )}
    </main>
  );
}
