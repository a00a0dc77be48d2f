import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { dateTime, money, toMinor } from '../../lib/format';
import { toastError } from '../../lib/forms';
import { Badge, Empty, ErrorView, Skeleton } from '../../components/ui';

/**
 * Box office: find an order by its number (the API has no order listing),
 * confirm a manual payment, cancel, or refund it.
 */
export default function Orders() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [id, setId] = useState('');
  const [amount, setAmount] = useState('');
  const key = ['order', slug, id];
  const order = useQuery({
    queryKey: key,
    enabled: /^[0-9a-f-]{36}$/i.test(id),
    queryFn: () => call(api.GET('/api/v1/orders/{id}', { params: { path: { id } } })),
  });
  const refunds = useQuery({
    queryKey: ['refunds', slug, id],
    enabled: !!order.data && order.data.status !== 'pending',
    queryFn: () => call(api.GET('/api/v1/orders/{id}/refunds', { params: { path: { id } } })),
  });
  const act = useMutation({
    mutationFn: async (what: 'pay' | 'cancel' | 'refund') => {
      const path = { id };
      if (what === 'pay') return call(api.POST('/api/v1/orders/{id}/pay', { params: { path } }));
      if (what === 'cancel') return call(api.POST('/api/v1/orders/{id}/cancel', { params: { path } }));
      const cur = order.data?.currency ?? 'EUR';
      await call(
        api.POST('/api/v1/orders/{id}/refund', {
          params: { path },
          body: amount ? { amount_minor: toMinor(Number(amount), cur) } : {},
        }),
      );
      return call(api.GET('/api/v1/orders/{id}', { params: { path } }));
    },
    onSuccess: (o) => {
      qc.setQueryData(key, o);
      void qc.invalidateQueries({ queryKey: ['refunds', slug, id] });
      // A payment, a cancellation or a refund changes what is sold.
      void qc.invalidateQueries({ queryKey: ['ticket-types', slug] });
      void qc.invalidateQueries({ queryKey: ['checkin-stats', slug] });
      setAmount('');
      toast.success(t('common.saved'));
    },
    onError: toastError,
  });
  const o = order.data;
  return (
    <div>
      <h1>{t('console.nav.orders')}</h1>
      <form
        className="panel row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          setId(text.trim().toLowerCase());
        }}
      >
        <div className="field grow">
          <label htmlFor="order-id">{t('orders.number')}</label>
          <input id="order-id" value={text} onChange={(e) => setText(e.target.value)} placeholder="0190…" spellCheck={false} />
        </div>
        <button className="btn primary" type="submit">
          {t('orders.find')}
        </button>
      </form>
      {!id ? (
        <Empty title={t('orders.hint')} />
      ) : order.isPending && order.fetchStatus !== 'idle' ? (
        <Skeleton lines={4} />
      ) : order.isError ? (
        <ErrorView error={order.error} retry={() => void order.refetch()} />
      ) : !o ? (
        <p className="field-error">{t('orders.badNumber')}</p>
      ) : (
        <section className="panel">
          <p>
            <Badge kind={o.status}>{t(`order.status.${o.status}`, { defaultValue: o.status })}</Badge> <code>{o.id}</code> ·{' '}
            {t('orders.provider')}: {o.provider}
          </p>
          <p className="big-number">{money(o.total_minor, o.currency)}</p>
          <p className="small muted">
            {dateTime(o.created_at)}
            {o.paid_at && ` · ${t('order.paidAt', { when: dateTime(o.paid_at) })}`}
            {o.refunded_minor > 0 && ` · ${t('order.refunded', { amount: money(o.refunded_minor, o.currency) })}`}
          </p>
          <table className="table small">
            <thead>
              <tr>
                <th>{t('checkout.item')}</th>
                <th className="num">{t('checkout.qty')}</th>
                <th className="num">{t('checkout.unit')}</th>
              </tr>
            </thead>
            <tbody>
              {o.items.map((i, n) => (
                <tr key={n}>
                  <td>
                    <code>{i.ticket_type_id.slice(0, 8)}</code>
                    {i.seat_id && ` · ${t('tickets.seat')} ${i.seat_id.slice(0, 8)}`}
                  </td>
                  <td className="num">{i.quantity}</td>
                  <td className="num">{money(i.unit_price_minor, o.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row wrap">
            {o.status === 'pending' && (
              <>
                <button className="btn primary" disabled={act.isPending} onClick={() => act.mutate('pay')}>
                  {t('order.confirmPayment')}
                </button>
                <button className="btn danger" disabled={act.isPending} onClick={() => act.mutate('cancel')}>
                  {t('order.cancel')}
                </button>
              </>
            )}
            {o.status === 'paid' && (
              <>
                <label htmlFor="refund-amount" className="small">
                  {t('orders.refundAmount', { currency: o.currency })}
                </label>
                <input id="refund-amount" type="number" min="0" step="0.01" value={amount} onChange={(e) => setAmount(e.target.value)} style={{ width: '8rem' }} />
                <button className="btn danger" disabled={act.isPending} onClick={() => confirm(t('orders.confirmRefund')) && act.mutate('refund')}>
                  {t('orders.refund')}
                </button>
              </>
            )}
          </div>
          {refunds.data && refunds.data.length > 0 && (
            <>
              <h2>{t('orders.refunds')}</h2>
              <ul className="list small">
                {refunds.data.map((r) => (
                  <li key={r.id}>
                    {dateTime(r.created_at)} · {money(r.amount_minor, o.currency)} · {r.status} · {r.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
    </div>
  );
}
