import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { useStorePath, useTenant } from '../../lib/TenantContext';
import { dateTime, money } from '../../lib/format';
import { toastError } from '../../lib/forms';
import { Countdown } from '../../components/Countdown';
import { QrSvg } from '../../components/QrSvg';
import { Badge, ErrorView, Skeleton } from '../../components/ui';
import { useLoginPath } from './StoreApp';

export function OrderPage() {
  const { t } = useTranslation();
  const { orderId = '' } = useParams();
  const { api, slug } = useTenant();
  const p = useStorePath();
  const qc = useQueryClient();
  const loginPath = useLoginPath();
  const key = ['order', slug, orderId];
  const order = useQuery({
    queryKey: key,
    queryFn: () => call(api.GET('/api/v1/orders/{id}', { params: { path: { id: orderId } } })),
  });
  const cancel = useMutation({
    mutationFn: () => call(api.POST('/api/v1/orders/{id}/cancel', { params: { path: { id: orderId } } })),
    onSuccess: (o) => {
      qc.setQueryData(key, o);
      toast.success(t('order.cancelledToast'));
    },
    onError: toastError,
  });

  if (order.isPending) {
    return (
      <main className="container narrow">
        <Skeleton lines={6} />
      </main>
    );
  }
  if (order.isError) {
    return (
      <main className="container narrow">
        <ErrorView error={order.error} retry={() => void order.refetch()} loginTo={loginPath} />
      </main>
    );
  }
  const o = order.data;
  return (
    <main className="container narrow">
      <h1>{o.status === 'paid' ? t('order.thanks') : t('order.title')}</h1>
      <section className="panel">
        <p>
          <Badge kind={o.status}>{t(`order.status.${o.status}`, { defaultValue: o.status })}</Badge>{' '}
          <span className="muted small">
            {t('order.number')} <code>{o.id}</code>
          </span>
        </p>
        <p className="big-number">{money(o.total_minor, o.currency)}</p>
        {o.discount_minor > 0 && <p className="muted small">{t('order.discount', { amount: money(o.discount_minor, o.currency) })}</p>}
        {o.paid_at && <p className="small">{t('order.paidAt', { when: dateTime(o.paid_at) })}</p>}
        {o.refunded_minor > 0 && <p className="small">{t('order.refunded', { amount: money(o.refunded_minor, o.currency) })}</p>}
      </section>

      {o.status === 'pending' && (
        <section className="panel notice">
          {o.expires_at && (
            <p>
              <Countdown until={o.expires_at} onExpire={() => void order.refetch()} />
            </p>
          )}
          {o.provider === 'manual' ? (
            <>
              <h2>{t('order.payAtDoor')}</h2>
              <p>{t('order.payAtDoorText')}</p>
              <div className="row">
                <button className="btn danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
                  {t('order.cancel')}
                </button>
              </div>
            </>
          ) : o.provider === 'stripe' ? (
            <>
              <p>{t('order.stripePending')}</p>
              {o.payment_error && <p className="field-error">{o.payment_error}</p>}
              <button className="btn danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
                {t('order.cancel')}
              </button>
            </>
          ) : null}
        </section>
      )}

      {o.ticket_ids.length > 0 && o.status === 'paid' && (
        <section>
          <h2>{t('order.tickets', { count: o.ticket_ids.length })}</h2>
          <ul className="grid tickets">
            {o.ticket_ids.map((id, i) => (
              <li key={id} className="card ticket">
                <QrSvg tenant={slug} ticketId={id} label={t('tickets.qrOf', { n: i + 1 })} />
                <code className="small">{id.slice(0, 8)}</code>
              </li>
            ))}
          </ul>
          <Link className="btn" to={p('/tickets')}>
            {t('nav.myTickets')}
          </Link>
        </section>
      )}
    </main>
  );
}
