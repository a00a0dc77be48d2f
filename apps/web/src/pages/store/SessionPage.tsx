import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import type { components } from '../../api/schema';
import { useSession } from '../../api/auth';
import { ApiError } from '../../api/problem';
import { useAvailabilityChanges, useSeatChanges, type LiveStatus } from '../../api/live';
import { useStorePath, useTenant } from '../../lib/TenantContext';
import { dateTime, money } from '../../lib/format';
import { toastError } from '../../lib/forms';
import { Countdown } from '../../components/Countdown';
import { SeatLegend, SeatMap, type Seat } from '../../components/SeatMap';
import { Badge, Empty, ErrorView, Skeleton, StatusBadge, errorText } from '../../components/ui';
import { BUYABLE, useTicketTypes } from './EventPage';
import { useLoginPath } from './StoreApp';

type HoldView = components['schemas']['HoldView'];
type TicketTypeView = components['schemas']['TicketTypeView'];

/** The hold a buyer has on a session, kept across reloads of the page. */
export function holdKey(slug: string, sid: string) {
  return `taquilla.hold.${slug}.${sid}`;
}

function LiveDot({ status }: { status: LiveStatus }) {
  const { t } = useTranslation();
  return (
    <span className={`live live-${status}`} title={t(`live.${status}`)}>
      ● {t(`live.${status}`)}
    </span>
  );
}

function RegistrationPanel({ eventId, sid }: { eventId: string; sid: string }) {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const session = useSession(slug);
  const loginPath = useLoginPath();
  const qc = useQueryClient();
  const key = ['registration', slug, sid];
  const reg = useQuery({
    queryKey: key,
    enabled: !!session,
    queryFn: async () => {
      try {
        return await call(
          api.GET('/api/v1/events/{id}/sessions/{sid}/registration', { params: { path: { id: eventId, sid } } }),
        );
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });
  const register = useMutation({
    mutationFn: () =>
      call(api.POST('/api/v1/events/{id}/sessions/{sid}/register', { params: { path: { id: eventId, sid } } })),
    onSuccess: (r) => {
      qc.setQueryData(key, r);
      toast.success(r.status === 'confirmed' ? t('reg.confirmed') : t('reg.waitlisted', { position: r.waitlist_position }));
    },
    onError: toastError,
  });
  const cancel = useMutation({
    mutationFn: () =>
      call(api.DELETE('/api/v1/events/{id}/sessions/{sid}/register', { params: { path: { id: eventId, sid } } })),
    onSuccess: () => {
      qc.setQueryData(key, null);
      toast.success(t('reg.cancelled'));
    },
    onError: toastError,
  });
  if (!session) {
    return (
      <section className="panel">
        <h2>{t('reg.title')}</h2>
        <p>{t('reg.loginFirst')}</p>
        <Link className="btn primary" to={loginPath}>
          {t('auth.login')}
        </Link>
      </section>
    );
  }
  const r = reg.data;
  const live = r && r.status !== 'cancelled';
  return (
    <section className="panel" aria-live="polite">
      <h2>{t('reg.title')}</h2>
      {reg.isPending ? (
        <Skeleton lines={1} />
      ) : live ? (
        <>
          <p>
            <Badge kind={r.status}>{t(`reg.status.${r.status}`)}</Badge>{' '}
            {r.status === 'waitlisted' && r.waitlist_position != null && (
              <strong>{t('reg.position', { position: r.waitlist_position })}</strong>
            )}
          </p>
          <button className="btn danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            {t('reg.cancel')}
          </button>
        </>
      ) : (
        <>
          <p className="muted">{t('reg.intro')}</p>
          <button className="btn primary" disabled={register.isPending} onClick={() => register.mutate()}>
            {t('reg.register')}
          </button>
        </>
      )}
    </section>
  );
}

function QuantityPicker({ tt, value, onChange }: { tt: TicketTypeView; value: number; onChange: (n: number) => void }) {
  const { t } = useTranslation();
  const max = Math.min(tt.available, tt.max_per_order);
  const id = `qty-${tt.id}`;
  return (
    <div className="qty">
      <button type="button" className="btn small" aria-label={t('store.less')} disabled={value <= 0} onClick={() => onChange(value <= tt.min_per_order ? 0 : value - 1)}>
        −
      </button>
      <label htmlFor={id} className="sr-only">
        {t('store.quantityOf', { name: tt.name })}
      </label>
      <input
        id={id}
        type="number"
        min={0}
        max={max}
        value={value}
        onChange={(e) => {
          const n = Math.max(0, Math.min(max, Math.floor(Number(e.target.value) || 0)));
          onChange(n > 0 && n < tt.min_per_order ? tt.min_per_order : n);
        }}
      />
      <button
        type="button"
        className="btn small"
        aria-label={t('store.more')}
        disabled={value >= max}
        onClick={() => onChange(value === 0 ? Math.max(1, tt.min_per_order) : value + 1)}
      >
        +
      </button>
    </div>
  );
}

export function SessionPage() {
  const { t } = useTranslation();
  const { eventId = '', sid = '' } = useParams();
  const { api, slug } = useTenant();
  const p = useStorePath();
  const nav = useNavigate();
  const qc = useQueryClient();
  const session = useSession(slug);
  const loginPath = useLoginPath();

  const ev = useQuery({
    queryKey: ['event', slug, eventId],
    queryFn: () => call(api.GET('/api/v1/events/{id}', { params: { path: { id: eventId } } })),
  });
  const ses = useQuery({
    queryKey: ['session', slug, eventId, sid],
    queryFn: () => call(api.GET('/api/v1/events/{id}/sessions/{sid}', { params: { path: { id: eventId, sid } } })),
  });
  const types = useTicketTypes(sid);
  const seated = (types.data ?? []).some((x) => x.seated);
  const seatsKey = useMemo(() => ['seats', slug, sid], [slug, sid]);
  const seats = useQuery({
    queryKey: seatsKey,
    enabled: seated,
    queryFn: () => call(api.GET('/api/v1/sessions/{sid}/seats', { params: { path: { sid } } })),
  });

  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [qty, setQty] = useState<Record<string, number>>({});
  const [hold, setHold] = useState<HoldView | null>(null);

  // A hold made earlier on this page (before a reload) comes back if still live.
  useEffect(() => {
    const id = sessionStorage.getItem(holdKey(slug, sid));
    if (!id || !session) return;
    call(api.GET('/api/v1/holds/{id}', { params: { path: { id } } }))
      .then((h) => {
        if (h.status === 'active' && Date.parse(h.expires_at) > Date.now()) setHold(h);
        else sessionStorage.removeItem(holdKey(slug, sid));
      })
      .catch(() => sessionStorage.removeItem(holdKey(slug, sid)));
  }, [api, slug, sid, session]);

  const mine = useMemo(() => new Set((hold?.items ?? []).map((i) => i.seat_id).filter((x): x is string => !!x)), [hold]);

  const onSeat = useCallback(
    (c: { seatId: string; state: string }) => {
      qc.setQueryData<Seat[]>(seatsKey, (old) => old?.map((s) => (s.id === c.seatId ? { ...s, state: c.state } : s)));
      if (c.state !== 'available') {
        setSelected((sel) => {
          if (!sel.has(c.seatId)) return sel;
          const n = new Set(sel);
          n.delete(c.seatId);
          toast.warning(t('seats.takenLive'));
          return n;
        });
      }
    },
    [qc, seatsKey, t],
  );
  const seatLive = useSeatChanges(slug, seated ? sid : null, onSeat);
  const availLive = useAvailabilityChanges(slug, sid, (c) => {
    qc.setQueryData<TicketTypeView[]>(['ticket-types', slug, sid], (old) =>
      old?.map((x) => (x.id === c.ticketTypeId ? { ...x, capacity: c.capacity, sold: c.sold, held: c.held, available: c.available } : x)),
    );
  });

  const toggle = (s: Seat) => {
    if (hold) return;
    setSelected((sel) => {
      const n = new Set(sel);
      if (n.has(s.id)) n.delete(s.id);
      else {
        const tt = types.data?.find((x) => x.id === s.ticket_type_id);
        const already = (seats.data ?? []).filter((x) => n.has(x.id) && x.ticket_type_id === s.ticket_type_id).length;
        if (tt && already >= tt.max_per_order) {
          toast.info(t('store.maxPerOrder', { max: tt.max_per_order }));
          return sel;
        }
        n.add(s.id);
      }
      return n;
    });
  };

  const items = useMemo(() => {
    const out: { ticket_type_id: string; quantity?: number; seat_ids?: string[] }[] = [];
    const bySection = new Map<string, string[]>();
    for (const s of seats.data ?? []) {
      if (selected.has(s.id)) bySection.set(s.ticket_type_id, [...(bySection.get(s.ticket_type_id) ?? []), s.id]);
    }
    bySection.forEach((ids, tt) => out.push({ ticket_type_id: tt, seat_ids: ids }));
    for (const [tt, n] of Object.entries(qty)) if (n > 0) out.push({ ticket_type_id: tt, quantity: n });
    return out;
  }, [selected, qty, seats.data]);

  const estimate = useMemo(() => {
    let total = 0;
    let currency = types.data?.[0]?.currency ?? 'EUR';
    for (const it of items) {
      const tt = types.data?.find((x) => x.id === it.ticket_type_id);
      if (!tt) continue;
      currency = tt.currency;
      total += tt.price_minor * (it.seat_ids?.length ?? it.quantity ?? 0);
    }
    return { total, currency, count: items.reduce((n, i) => n + (i.seat_ids?.length ?? i.quantity ?? 0), 0) };
  }, [items, types.data]);

  const makeHold = useMutation({
    mutationFn: () => call(api.POST('/api/v1/holds', { body: { session_id: sid, items } })),
    onSuccess: (h) => {
      setHold(h);
      setSelected(new Set());
      setQty({});
      sessionStorage.setItem(holdKey(slug, sid), h.id);
      void qc.invalidateQueries({ queryKey: ['ticket-types', slug, sid] });
      void qc.invalidateQueries({ queryKey: seatsKey });
    },
    onError: (e) => {
      toastError(e);
      void qc.invalidateQueries({ queryKey: seatsKey });
      void qc.invalidateQueries({ queryKey: ['ticket-types', slug, sid] });
    },
  });
  const release = useMutation({
    mutationFn: (id: string) => call(api.DELETE('/api/v1/holds/{id}', { params: { path: { id } } })),
    onSettled: () => {
      setHold(null);
      sessionStorage.removeItem(holdKey(slug, sid));
      void qc.invalidateQueries({ queryKey: seatsKey });
      void qc.invalidateQueries({ queryKey: ['ticket-types', slug, sid] });
    },
  });

  if (ev.isPending || ses.isPending) {
    return (
      <main className="container">
        <Skeleton lines={8} />
      </main>
    );
  }
  if (ev.isError || ses.isError) {
    const err = ev.error ?? ses.error;
    return (
      <main className="container">
        <ErrorView error={err} retry={() => void Promise.all([ev.refetch(), ses.refetch()])} />
      </main>
    );
  }
  const e = ev.data;
  const s = ses.data;
  const buyable = BUYABLE.has(s.status);
  const list = types.data ?? [];
  const freeSession = s.status === 'on_sale' && list.every((x) => x.price_minor === 0);
  const names = Object.fromEntries(list.map((x) => [x.id, x.name]));

  return (
    <main className="container">
      <nav className="crumbs" aria-label={t('nav.breadcrumbs')}>
        <Link to={p('/')}>{t('nav.events')}</Link> / <Link to={p(`/events/${e.id}`)}>{e.title}</Link> / <span>{s.title}</span>
      </nav>
      <div className="row between wrap">
        <div>
          <h1>
            {e.title} — {s.title}
          </h1>
          <p className="muted">
            {dateTime(s.starts_at, e.timezone)} · {s.venue || e.venue} <StatusBadge status={s.status} />
          </p>
        </div>
        <LiveDot status={seated ? seatLive : availLive} />
      </div>

      {!buyable && (
        <p className="panel notice" role="status">
          {t('store.notOnSale', { status: t(`status.${s.status}`) })}
        </p>
      )}

      {freeSession && <RegistrationPanel eventId={e.id} sid={s.id} />}

      {hold && (
        <section className="panel hold" aria-labelledby="hold-title">
          <div className="row between wrap">
            <h2 id="hold-title">{t('hold.title')}</h2>
            <Countdown
              until={hold.expires_at}
              onExpire={() => {
                toast.warning(t('hold.expiredToast'));
                setHold(null);
                sessionStorage.removeItem(holdKey(slug, sid));
                void qc.invalidateQueries({ queryKey: seatsKey });
                void qc.invalidateQueries({ queryKey: ['ticket-types', slug, sid] });
              }}
            />
          </div>
          <ul>
            {hold.items.map((i, n) => {
              const seat = seats.data?.find((x) => x.id === i.seat_id);
              return (
                <li key={n}>
                  {names[i.ticket_type_id] ?? i.ticket_type_id} {seat ? `· ${seat.label}` : `× ${i.quantity}`}
                </li>
              );
            })}
          </ul>
          <div className="row">
            <button className="btn primary" onClick={() => nav(p(`/checkout/${hold.id}`))}>
              {t('hold.checkout')}
            </button>
            <button className="btn" disabled={release.isPending} onClick={() => release.mutate(hold.id)}>
              {t('hold.release')}
            </button>
          </div>
        </section>
      )}

      <section aria-labelledby="tt-title">
        <h2 id="tt-title">{t('store.ticketTypes')}</h2>
        {types.isPending ? (
          <Skeleton lines={3} />
        ) : types.isError ? (
          <ErrorView error={types.error} retry={() => void types.refetch()} />
        ) : list.length === 0 ? (
          !freeSession && <Empty title={t('store.noTicketTypes')} />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t('store.section')}</th>
                <th>{t('store.price')}</th>
                <th>{t('store.availability')}</th>
                <th>{t('store.quantity')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((tt) => (
                <tr key={tt.id}>
                  <td>
                    {tt.name} {tt.seated && <Badge>{t('store.seated')}</Badge>}
                  </td>
                  <td>{tt.price_minor === 0 ? t('store.free') : money(tt.price_minor, tt.currency)}</td>
                  <td>
                    {tt.available > 0 ? (
                      <span>
                        {t('store.availableOf', { available: tt.available, capacity: tt.capacity })}
                        <meter className="avail" min={0} max={tt.capacity} value={tt.capacity - tt.available} aria-hidden="true" />
                      </span>
                    ) : (
                      <Badge kind="cancelled">{t('store.soldOut')}</Badge>
                    )}
                  </td>
                  <td>
                    {tt.seated ? (
                      <span className="muted small">{t('store.pickSeats')}</span>
                    ) : buyable && tt.available > 0 && !hold ? (
                      <QuantityPicker tt={tt} value={qty[tt.id] ?? 0} onChange={(n) => setQty((q) => ({ ...q, [tt.id]: n }))} />
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {seated && (
        <section aria-labelledby="map-title">
          <h2 id="map-title">{t('seats.title')}</h2>
          {seats.isPending ? (
            <Skeleton lines={6} />
          ) : seats.isError ? (
            <ErrorView error={seats.error} retry={() => void seats.refetch()} />
          ) : seats.data.length === 0 ? (
            <Empty title={t('seats.none')} />
          ) : (
            <>
              <SeatLegend />
              <div className="seatmap-wrap">
                <SeatMap seats={seats.data} selected={selected} mine={mine} names={names} onToggle={buyable && !hold ? toggle : undefined} />
              </div>
            </>
          )}
        </section>
      )}

      {buyable && !hold && (
        <div className="sticky-bar" aria-live="polite">
          <span>
            {estimate.count > 0
              ? t('store.selection', { count: estimate.count, total: money(estimate.total, estimate.currency) })
              : t('store.selectSomething')}
          </span>
          {session ? (
            <button className="btn primary" disabled={estimate.count === 0 || makeHold.isPending} onClick={() => makeHold.mutate()}>
              {makeHold.isPending ? t('common.working') : t('hold.hold')}
            </button>
          ) : (
            <Link className="btn primary" to={loginPath}>
              {t('store.loginToBuy')}
            </Link>
          )}
        </div>
      )}
      {makeHold.isError && (
        <p className="field-error" role="alert">
          {errorText(makeHold.error, t)}
        </p>
      )}
    </main>
  );
}
