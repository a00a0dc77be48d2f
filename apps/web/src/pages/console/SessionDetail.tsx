import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { dateTime, money } from '../../lib/format';
import { toastError } from '../../lib/forms';
import { Badge, Empty, ErrorView, Pagination, Skeleton, StatusBadge } from '../../components/ui';
import { SessionForm } from './SessionForm';
import { TicketTypeForm } from './TicketTypeForm';
import { SessionStatusButtons } from './EventDetail';
import { useCan, useConsolePath } from './shared';

function Attendees({ sid }: { sid: string }) {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['attendees', slug, sid, page],
    placeholderData: keepPreviousData,
    queryFn: () =>
      call(api.GET('/api/v1/sessions/{sid}/attendees', { params: { path: { sid }, query: { page, per_page: 25 } } })),
  });
  if (q.isPending) return <Skeleton lines={4} />;
  if (q.isError) return <ErrorView error={q.error} retry={() => void q.refetch()} />;
  if (q.data.items.length === 0) return <Empty title={t('ses.noAttendees')} />;
  return (
    <>
      <table className="table">
        <thead>
          <tr>
            <th>{t('users.name')}</th>
            <th>{t('auth.email')}</th>
            <th>{t('ses.source')}</th>
            <th>{t('ev.status')}</th>
            <th>{t('ses.checkedInAt')}</th>
          </tr>
        </thead>
        <tbody>
          {q.data.items.map((a, i) => (
            <tr key={`${a.user_id}-${a.source}-${i}`}>
              <td>{a.display_name}</td>
              <td>{a.email}</td>
              <td>{t(`ses.src.${a.source}`)}</td>
              <td>
                <StatusBadge status={a.status} />
              </td>
              <td>{dateTime(a.checked_in_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination page={page} perPage={25} total={q.data.total} onPage={setPage} />
    </>
  );
}

export default function SessionDetail() {
  const { t } = useTranslation();
  const { eventId = '', sid = '' } = useParams();
  const { api, slug } = useTenant();
  const cp = useConsolePath();
  const can = useCan();
  const nav = useNavigate();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  const [editTT, setEditTT] = useState<string | null>(null);
  const ses = useQuery({
    queryKey: ['session', slug, eventId, sid],
    queryFn: () => call(api.GET('/api/v1/events/{id}/sessions/{sid}', { params: { path: { id: eventId, sid } } })),
  });
  const types = useQuery({
    queryKey: ['ticket-types', slug, sid],
    queryFn: () => call(api.GET('/api/v1/sessions/{sid}/ticket-types', { params: { path: { sid } } })),
  });
  const refreshTypes = () => void qc.invalidateQueries({ queryKey: ['ticket-types', slug, sid] });
  const removeTT = useMutation({
    mutationFn: (id: string) => call(api.DELETE('/api/v1/ticket-types/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      toast.success(t('tt.deleted'));
      refreshTypes();
    },
    onError: toastError,
  });
  const removeSession = useMutation({
    mutationFn: () => call(api.DELETE('/api/v1/events/{id}/sessions/{sid}', { params: { path: { id: eventId, sid } } })),
    onSuccess: () => {
      toast.success(t('ses.deleted'));
      void qc.invalidateQueries({ queryKey: ['sessions', slug, eventId] });
      nav(cp(`/events/${eventId}`));
    },
    onError: toastError,
  });

  if (ses.isPending) return <Skeleton lines={8} />;
  if (ses.isError) return <ErrorView error={ses.error} retry={() => void ses.refetch()} />;
  const s = ses.data;
  return (
    <div>
      <nav className="crumbs" aria-label={t('nav.breadcrumbs')}>
        <Link to={cp('/events')}>{t('console.nav.events')}</Link> / <Link to={cp(`/events/${eventId}`)}>{t('console.event')}</Link> /{' '}
        <span>{s.title}</span>
      </nav>
      <div className="row between wrap">
        <h1>
          {s.title} <StatusBadge status={s.status} />
        </h1>
        {can.organize && (
          <div className="row wrap">
            <SessionStatusButtons eventId={eventId} sid={sid} status={s.status} />
            <button className="btn" onClick={() => setEditing((x) => !x)} aria-expanded={editing}>
              {editing ? t('common.cancel') : t('common.edit')}
            </button>
            <button className="btn danger" onClick={() => confirm(t('ses.confirmDelete')) && removeSession.mutate()}>
              {t('common.delete')}
            </button>
          </div>
        )}
      </div>
      <p className="muted">
        {dateTime(s.starts_at)} – {dateTime(s.ends_at)} · {s.venue || '—'} · {t('ses.capacity')}: {s.capacity}
        {s.presenter && ` · ${s.presenter}`}
      </p>
      {editing && (
        <section className="panel">
          <SessionForm
            initial={s}
            submitLabel={t('common.save')}
            onSubmit={async (body) => {
              const u = await call(
                api.PATCH('/api/v1/events/{id}/sessions/{sid}', { params: { path: { id: eventId, sid } }, body }),
              );
              qc.setQueryData(['session', slug, eventId, sid], u);
              void qc.invalidateQueries({ queryKey: ['sessions', slug, eventId] });
              setEditing(false);
              toast.success(t('common.saved'));
            }}
          />
        </section>
      )}

      <div className="row between wrap">
        <h2>{t('store.ticketTypes')}</h2>
        {can.organize && (
          <button className="btn primary" onClick={() => setAdding((x) => !x)} aria-expanded={adding}>
            {adding ? t('common.cancel') : t('tt.new')}
          </button>
        )}
      </div>
      {adding && (
        <section className="panel">
          <TicketTypeForm
            submitLabel={t('common.create')}
            onSubmit={async (body) => {
              await call(api.POST('/api/v1/sessions/{sid}/ticket-types', { params: { path: { sid } }, body }));
              setAdding(false);
              refreshTypes();
              toast.success(t('tt.created'));
            }}
          />
        </section>
      )}
      {types.isPending ? (
        <Skeleton lines={3} />
      ) : types.isError ? (
        <ErrorView error={types.error} retry={() => void types.refetch()} />
      ) : types.data.length === 0 ? (
        <Empty title={t('store.noTicketTypes')} />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('tt.name')}</th>
              <th>{t('tt.price')}</th>
              <th>{t('ses.capacity')}</th>
              <th>{t('dash.sold')}</th>
              <th>{t('dash.held')}</th>
              <th>{t('dash.available')}</th>
              {can.organize && <th />}
            </tr>
          </thead>
          <tbody>
            {types.data.map((tt) => (
              <tr key={tt.id}>
                <td>
                  {tt.name} {tt.seated && <Badge>{t('store.seated')}</Badge>}
                  {editTT === tt.id && (
                    <div className="panel">
                      <TicketTypeForm
                        initial={tt}
                        submitLabel={t('common.save')}
                        onSubmit={async (b) => {
                          await call(
                            api.PATCH('/api/v1/ticket-types/{id}', {
                              params: { path: { id: tt.id } },
                              body: {
                                name: b.name,
                                price_minor: b.price_minor,
                                capacity: b.capacity,
                                min_per_order: b.min_per_order,
                                max_per_order: b.max_per_order,
                                sales_opens_at: b.sales_opens_at,
                                sales_closes_at: b.sales_closes_at,
                              },
                            }),
                          );
                          setEditTT(null);
                          refreshTypes();
                          toast.success(t('common.saved'));
                        }}
                      />
                    </div>
                  )}
                </td>
                <td>{money(tt.price_minor, tt.currency)}</td>
                <td>{tt.capacity}</td>
                <td>{tt.sold}</td>
                <td>{tt.held}</td>
                <td>{tt.available}</td>
                {can.organize && (
                  <td className="row wrap">
                    <button className="btn small" onClick={() => setEditTT(editTT === tt.id ? null : tt.id)}>
                      {editTT === tt.id ? t('common.cancel') : t('common.edit')}
                    </button>
                    {tt.seated && (
                      <Link className="btn small" to={cp(`/events/${eventId}/sessions/${sid}/seats/${tt.id}`)}>
                        {t('tt.seatMap')}
                      </Link>
                    )}
                    <button className="btn small danger" onClick={() => confirm(t('tt.confirmDelete')) && removeTT.mutate(tt.id)}>
                      {t('common.delete')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>{t('ses.attendees')}</h2>
      <Attendees sid={sid} />
    </div>
  );
}
