import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { call } from '../../api/client';
import type { components } from '../../api/schema';
import { useAvailabilityChanges } from '../../api/live';
import { useTenant } from '../../lib/TenantContext';
import { money } from '../../lib/format';
import { Empty, ErrorView, Skeleton } from '../../components/ui';
import { SessionPicker, useCan, usePicked } from './shared';

type TicketTypeView = components['schemas']['TicketTypeView'];

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="stat" role="group" aria-label={label}>
      <div className="stat-value">{value}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}

function SessionCharts({ sid }: { sid: string }) {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  // Figures are fetched afresh whenever the dashboard opens (staleTime 0):
  // what other pages cached a moment ago may predate a sale.
  const types = useQuery({
    queryKey: ['ticket-types', slug, sid],
    queryFn: () => call(api.GET('/api/v1/sessions/{sid}/ticket-types', { params: { path: { sid } } })),
    staleTime: 0,
  });
  const stats = useQuery({
    queryKey: ['checkin-stats', slug, sid],
    queryFn: () => call(api.GET('/api/v1/sessions/{sid}/checkin-stats', { params: { path: { sid } } })),
    staleTime: 0,
    refetchInterval: 15_000,
  });
  useAvailabilityChanges(slug, sid, (c) => {
    qc.setQueryData<TicketTypeView[]>(['ticket-types', slug, sid], (old) =>
      old?.map((x) => (x.id === c.ticketTypeId ? { ...x, capacity: c.capacity, sold: c.sold, held: c.held, available: c.available } : x)),
    );
  });
  if (types.isPending || stats.isPending) return <Skeleton lines={8} />;
  if (types.isError) return <ErrorView error={types.error} retry={() => void types.refetch()} />;
  if (stats.isError) return <ErrorView error={stats.error} retry={() => void stats.refetch()} />;
  const tt = types.data;
  const st = stats.data;
  const capacity = tt.reduce((n, x) => n + x.capacity, 0);
  const revenue = tt.reduce((n, x) => n + x.sold * x.price_minor, 0);
  const currency = tt[0]?.currency ?? 'EUR';
  const sections = tt.map((x) => ({ name: x.name, sold: x.sold, held: x.held, available: x.available }));
  const gates = st.by_gate.map((g) => ({ name: g.gate ?? t('dash.noGate'), checked_in: g.checked_in }));
  const perType = st.by_ticket_type.map((x) => ({ name: x.name, sold: x.sold, checked_in: x.checked_in }));
  return (
    <>
      <div className="stats">
        <Stat label={t('dash.sold')} value={st.sold} />
        <Stat label={t('dash.capacity')} value={capacity} />
        <Stat label={t('dash.checkedIn')} value={st.checked_in} />
        <Stat label={t('dash.revenue')} value={money(revenue, currency)} />
      </div>
      <div className="charts">
        <section className="panel chart">
          <h2>{t('dash.soldVsCapacity')}</h2>
          {sections.length === 0 ? (
            <Empty title={t('dash.noSections')} />
          ) : (
            <ResponsiveContainer width="100%" height={280}>
              <BarChart data={sections}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="name" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar dataKey="sold" name={t('dash.sold')} stackId="a" fill="#3b2f8f" />
                <Bar dataKey="held" name={t('dash.held')} stackId="a" fill="#e0a100" />
                <Bar dataKey="available" name={t('dash.available')} stackId="a" fill="#c9d3e6" />
              </BarChart>
            </ResponsiveContainer>
          )}
        </section>
        <section className="panel chart">
          <h2>{t('dash.checkinsPerGate')}</h2>
          {gates.length === 0 ? (
            <Empty title={t('dash.noCheckins')} />
          ) : (
            <ResponsiveContainer width="100%" height={280}>
              <BarChart data={gates}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="name" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Bar dataKey="checked_in" name={t('dash.checkedIn')} fill="#16a34a" />
              </BarChart>
            </ResponsiveContainer>
          )}
        </section>
        <section className="panel chart">
          <h2>{t('dash.checkinsPerType')}</h2>
          {perType.length === 0 ? (
            <Empty title={t('dash.noSections')} />
          ) : (
            <ResponsiveContainer width="100%" height={280}>
              <BarChart data={perType}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="name" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar dataKey="sold" name={t('dash.sold')} fill="#3b2f8f" />
                <Bar dataKey="checked_in" name={t('dash.checkedIn')} fill="#16a34a" />
              </BarChart>
            </ResponsiveContainer>
          )}
        </section>
      </div>
    </>
  );
}

/** Paid sales of the last 30 days (GET /reports/sales): revenue and tickets
 * per day, and the best-selling events. Organizers see their own events. */
function SalesOverview() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const q = useQuery({
    queryKey: ['sales-report', slug],
    queryFn: () => call(api.GET('/api/v1/reports/sales')),
    staleTime: 0,
  });
  if (q.isPending) return <Skeleton lines={6} />;
  if (q.isError) return <ErrorView error={q.error} retry={() => void q.refetch()} />;
  const r = q.data;
  const total = r.totals[0];
  if (!total) return <Empty title={t('dash.noSales')} />;
  const days = r.days
    .filter((d) => d.currency === total.currency)
    .map((d) => ({ day: d.day, revenue: d.revenue_minor / 100, tickets: d.tickets }));
  return (
    <>
      <div className="stats">
        <Stat label={t('dash.revenue30')} value={money(total.revenue_minor, total.currency)} />
        <Stat label={t('dash.orders30')} value={total.orders} />
        <Stat label={t('dash.tickets30')} value={total.tickets} />
      </div>
      <div className="charts">
        <section className="panel chart">
          <h2>{t('dash.salesOverTime')}</h2>
          <ResponsiveContainer width="100%" height={240}>
            <LineChart data={days}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="day" />
              <YAxis yAxisId="revenue" />
              <YAxis yAxisId="tickets" orientation="right" allowDecimals={false} />
              <Tooltip />
              <Legend />
              <Line yAxisId="revenue" dataKey="revenue" name={`${t('dash.revenueLine')} (${total.currency})`} stroke="#2563eb" />
              <Line yAxisId="tickets" dataKey="tickets" name={t('dash.tickets')} stroke="#16a34a" />
            </LineChart>
          </ResponsiveContainer>
        </section>
        <section className="panel chart">
          <h2>{t('dash.topEvents')}</h2>
          <ol className="top-events">
            {r.top_events.map((e) => (
              <li key={`${e.event_id}-${e.currency}`}>
                {e.title} — {money(e.revenue_minor, e.currency)} · {t('dash.ticketsCount', { count: e.tickets })}
              </li>
            ))}
          </ol>
        </section>
      </div>
    </>
  );
}

function CouponSummary() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const q = useQuery({
    // Not ['coupons', slug, 1]: that is the coupons page's first page (25 rows).
    queryKey: ['coupons', slug, 'summary'],
    queryFn: () => call(api.GET('/api/v1/coupons', { params: { query: { per_page: 100 } } })),
    staleTime: 0,
  });
  if (q.isPending) return <Skeleton lines={3} />;
  if (q.isError) return <ErrorView error={q.error} />;
  const top = [...q.data.items].sort((a, b) => b.uses - a.uses).slice(0, 8);
  if (top.length === 0) return <Empty title={t('coupons.none')} />;
  return (
    <ResponsiveContainer width="100%" height={240}>
      <BarChart data={top.map((c) => ({ name: c.code, uses: c.uses }))} layout="vertical">
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis type="number" allowDecimals={false} />
        <YAxis type="category" dataKey="name" width={110} />
        <Tooltip />
        <Bar dataKey="uses" name={t('coupons.uses')} fill="#7c3aed" />
      </BarChart>
    </ResponsiveContainer>
  );
}

export default function Dashboard() {
  const { t } = useTranslation();
  const can = useCan();
  const [pick, setPick] = usePicked();
  return (
    <div>
      <h1>{t('console.nav.dashboard')}</h1>
      {can.organize && <SalesOverview />}
      <SessionPicker eventId={pick.eventId} sessionId={pick.sessionId} onChange={setPick} />
      {pick.sessionId ? <SessionCharts sid={pick.sessionId} /> : <Empty title={t('dash.pickSession')} />}
      {can.organize && (
        <section className="panel chart">
          <h2>{t('dash.couponUses')}</h2>
          <CouponSummary />
        </section>
      )}
    </div>
  );
}
