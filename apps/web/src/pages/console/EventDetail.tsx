import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { dateTime } from '../../lib/format';
import { toastError } from '../../lib/forms';
import { eventTransitions, sessionTransitions, type SessionStatus } from '../../lib/status';
import { Empty, ErrorView, Skeleton, StatusBadge } from '../../components/ui';
import { EventForm } from './EventForm';
import { SessionForm } from './SessionForm';
import { useCan, useConsolePath } from './shared';

export function SessionStatusButtons({ eventId, sid, status }: { eventId: string; sid: string; status: SessionStatus }) {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const move = useMutation({
    mutationFn: (to: SessionStatus) =>
      call(api.PATCH('/api/v1/events/{id}/sessions/{sid}', { params: { path: { id: eventId, sid } }, body: { status: to } })),
    onSuccess: (s) => {
      toast.success(t('ses.movedTo', { status: t(`status.${s.status}`) }));
      void qc.invalidateQueries({ queryKey: ['sessions', slug, eventId] });
      qc.setQueryData(['session', slug, eventId, sid], s);
    },
    onError: toastError,
  });
  const next = sessionTransitions(status);
  if (next.length === 0) return null;
  return (
    <span className="row wrap">
      {next.map((to) => (
        <button
          key={to}
          className={`btn small${to === 'cancelled' ? ' danger' : ''}`}
          disabled={move.isPending}
          onClick={() => {
            if (to === 'cancelled' && !confirm(t('ses.confirmCancel'))) return;
            move.mutate(to);
          }}
        >
          → {t(`status.${to}`)}
        </button>
      ))}
    </span>
  );
}

export default function EventDetail() {
  const { t } = useTranslation();
  const { eventId = '' } = useParams();
  const { api, slug } = useTenant();
  const cp = useConsolePath();
  const can = useCan();
  const nav = useNavigate();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  const ev = useQuery({
    queryKey: ['event', slug, eventId],
    queryFn: () => call(api.GET('/api/v1/events/{id}', { params: { path: { id: eventId } } })),
  });
  const sessions = useQuery({
    queryKey: ['sessions', slug, eventId],
    queryFn: () => call(api.GET('/api/v1/events/{id}/sessions', { params: { path: { id: eventId } } })),
  });
  const setStatus = useMutation({
    mutationFn: (status: 'draft' | 'published' | 'cancelled') =>
      call(api.PATCH('/api/v1/events/{id}', { params: { path: { id: eventId } }, body: { status } })),
    onSuccess: (e) => {
      qc.setQueryData(['event', slug, eventId], e);
      void qc.invalidateQueries({ queryKey: ['console-events'] });
      toast.success(t('ev.statusChanged', { status: t(`status.${e.status}`) }));
    },
    onError: toastError,
  });
  const remove = useMutation({
    mutationFn: () => call(api.DELETE('/api/v1/events/{id}', { params: { path: { id: eventId } } })),
    onSuccess: () => {
      toast.success(t('ev.deleted'));
      void qc.invalidateQueries({ queryKey: ['console-events'] });
      void qc.invalidateQueries({ queryKey: ['console-events-all'] });
      nav(cp('/events'));
    },
    onError: toastError,
  });

  if (ev.isPending) return <Skeleton lines={8} />;
  if (ev.isError) return <ErrorView error={ev.error} retry={() => void ev.refetch()} />;
  const e = ev.data;
  return (
    <div>
      <nav className="crumbs" aria-label={t('nav.breadcrumbs')}>
        <Link to={cp('/events')}>{t('console.nav.events')}</Link> / <span>{e.title}</span>
      </nav>
      <div className="row between wrap">
        <h1>
          {e.title} <StatusBadge status={e.status} />
        </h1>
        {can.organize && (
          <div className="row wrap">
            {eventTransitions(e.status).map((to) => (
              <button
                key={to}
                className={`btn${to === 'cancelled' ? ' danger' : to === 'published' ? ' primary' : ''}`}
                disabled={setStatus.isPending}
                onClick={() => {
                  if (to === 'cancelled' && !confirm(t('ev.confirmCancel'))) return;
                  setStatus.mutate(to);
                }}
              >
                {t(`ev.to.${to}`)}
              </button>
            ))}
            <button className="btn" onClick={() => setEditing((x) => !x)} aria-expanded={editing}>
              {editing ? t('common.cancel') : t('common.edit')}
            </button>
            <button
              className="btn danger"
              disabled={remove.isPending}
              onClick={() => confirm(t('ev.confirmDelete')) && remove.mutate()}
            >
              {t('common.delete')}
            </button>
          </div>
        )}
      </div>
      <p className="muted">
        {dateTime(e.starts_at, e.timezone)} – {dateTime(e.ends_at, e.timezone)} · {e.timezone} · {e.category}
        {e.venue && ` · ${e.venue}`} · <a href={`/t/${slug}/events/${e.id}`}>{t('ev.viewInStore')}</a>
      </p>
      {editing && (
        <section className="panel">
          <EventForm
            initial={e}
            submitLabel={t('common.save')}
            onSubmit={async (body) => {
              const u = await call(api.PUT('/api/v1/events/{id}', { params: { path: { id: eventId } }, body }));
              qc.setQueryData(['event', slug, eventId], u);
              void qc.invalidateQueries({ queryKey: ['console-events'] });
              setEditing(false);
              toast.success(t('common.saved'));
            }}
          />
        </section>
      )}

      <div className="row between wrap">
        <h2>{t('store.sessions')}</h2>
        {can.organize && (
          <button className="btn primary" onClick={() => setAdding((x) => !x)} aria-expanded={adding}>
            {adding ? t('common.cancel') : t('ses.new')}
          </button>
        )}
      </div>
      {adding && (
        <section className="panel">
          <SessionForm
            submitLabel={t('common.create')}
            onSubmit={async (body) => {
              await call(api.POST('/api/v1/events/{id}/sessions', { params: { path: { id: eventId } }, body }));
              void qc.invalidateQueries({ queryKey: ['sessions', slug, eventId] });
              setAdding(false);
              toast.success(t('ses.created'));
            }}
          />
        </section>
      )}
      {sessions.isPending ? (
        <Skeleton lines={4} />
      ) : sessions.isError ? (
        <ErrorView error={sessions.error} retry={() => void sessions.refetch()} />
      ) : sessions.data.length === 0 ? (
        <Empty title={t('store.noSessions')} />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('ses.title')}</th>
              <th>{t('ev.startsAt')}</th>
              <th>{t('ses.capacity')}</th>
              <th>{t('ev.status')}</th>
              {can.organize && <th>{t('ses.move')}</th>}
            </tr>
          </thead>
          <tbody>
            {sessions.data.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link to={cp(`/events/${eventId}/sessions/${s.id}`)}>{s.title}</Link>
                  {s.venue && <div className="muted small">{s.venue}</div>}
                </td>
                <td>{dateTime(s.starts_at, e.timezone)}</td>
                <td>{s.capacity}</td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                {can.organize && (
                  <td>
                    <SessionStatusButtons eventId={eventId} sid={s.id} status={s.status} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
