import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { useStorePath, useTenant } from '../../lib/TenantContext';
import { dateTime, money } from '../../lib/format';
import { toastError } from '../../lib/forms';
import { Countdown } from '../../components/Countdown';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { QrSvg } from '../../components/QrSvg';
import { Badge, ErrorView, Skeleton, Spinner } from '../../components/ui';
import { useLoginPath } from './StoreApp';

// Stripe (its React bindings and Stripe.js) is fetched only for a card payment.
const StripePayment = lazy(() => import('./StripePayment'));

/** How often a pending card order is polled once Stripe has accepted the payment. */
export const POLL_MS = 1500;
/** After this long without the payment's webhook, poll slower and say so. */
export const SLOW_AFTER_MS = 60_000;

/** Polling for the webhook since `since`; `baseline` is the order's payment_error then. */
interface Processing {
  since: number;
  baseline: string | null;
}

/**
 * Stripe's return from a redirect-based method (3-D Secure page, bank…): it
 * appends `payment_intent`, `payment_intent_client_secret` and
 * `redirect_status` to the return URL. `ok` when the payment went through
 * (or is processing), `failed` otherwise, null when the URL is no return for
 * this order's PaymentIntent.
 */
export function stripeReturn(sp: URLSearchParams, clientSecret: string | null | undefined): 'ok' | 'failed' | null {
  const pi = sp.get('payment_intent');
  const status = sp.get('redirect_status');
  if (!pi || !status) return null;
  if (clientSecret && !clientSecret.startsWith(`${pi}_secret_`)) return null;
  return status === 'succeeded' || status === 'processing' ? 'ok' : 'failed';
}

export function OrderPage() {
  const { t } = useTranslation();
  const { orderId = '' } = useParams();
  const { api, slug } = useTenant();
  const p = useStorePath();
  const qc = useQueryClient();
  const loginPath = useLoginPath();
  const [sp] = useSearchParams();
  const key = ['order', slug, orderId];
  // A card payment Stripe accepted here, or one Stripe redirected back from
  // (undefined until the order is loaded and the URL looked at).
  const [confirmed, setConfirmed] = useState<Processing | null>(null);
  const [returned, setReturned] = useState<Processing | null | undefined>(undefined);
  const [paying, setPaying] = useState(false);
  const processing = confirmed ?? returned ?? null;
  const order = useQuery({
    queryKey: key,
    queryFn: () => call(api.GET('/api/v1/orders/{id}', { params: { path: { id: orderId } } })),
    // The order turns paid when Stripe's webhook reaches the server: poll till then.
    refetchInterval: (q) =>
      processing && q.state.data?.status === 'pending'
        ? Date.now() - processing.since > SLOW_AFTER_MS
          ? POLL_MS * 4
          : POLL_MS
        : false,
  });
  const current = order.data;
  const payingByCard = current?.status === 'pending' && current.provider === 'stripe';
  const providers = useQuery({
    queryKey: ['providers', slug],
    queryFn: () => call(api.GET('/api/v1/payments/providers')),
    staleTime: 5 * 60_000,
    enabled: payingByCard,
  });

  if (current && returned === undefined) {
    setReturned(
      payingByCard && stripeReturn(sp, current.client_secret) === 'ok'
        ? { since: Date.now(), baseline: current.payment_error ?? null }
        : null,
    );
  }
  // A new refusal while waiting (e.g. an asynchronous method failed): back to the form.
  if (processing && current?.status === 'pending' && current.payment_error && current.payment_error !== processing.baseline) {
    setConfirmed(null);
    setReturned(null);
  }
  const nowPaid = !!processing && current?.status === 'paid';
  useEffect(() => {
    if (!nowPaid) return;
    toast.success(t('order.paidToast'));
    void qc.invalidateQueries({ queryKey: ['my-tickets', slug] });
    setConfirmed(null);
    setReturned(null);
  }, [nowPaid, qc, slug, t]);
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
  const slow = !!processing && order.dataUpdatedAt - processing.since > SLOW_AFTER_MS;
  const publishableKey = providers.data?.stripe_publishable_key;
  const cancelButton = (
    <button className="btn danger" disabled={cancel.isPending || paying} onClick={() => cancel.mutate()}>
      {t('order.cancel')}
    </button>
  );
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
              <div className="row">{cancelButton}</div>
            </>
          ) : o.provider === 'stripe' ? (
            processing ? (
              <div role="status" aria-live="polite">
                <div className="row">
                  <span className="spinner" aria-hidden="true" />
                  <h2>{t('pay.processing')}</h2>
                </div>
                <p>{t('pay.processingText')}</p>
                {slow && (
                  <p>
                    {t('pay.slow')} <Link to={p('/tickets')}>{t('nav.myTickets')}</Link>.
                  </p>
                )}
              </div>
            ) : (
              <>
                <h2>{t('pay.heading')}</h2>
                {o.payment_error && <p className="field-error">{t('pay.lastError', { message: o.payment_error })}</p>}
                {providers.isPending ? (
                  <Spinner label={t('pay.loading')} />
                ) : providers.isError ? (
                  <ErrorView error={providers.error} retry={() => void providers.refetch()} />
                ) : publishableKey && o.client_secret ? (
                  <ErrorBoundary resetKey={o.client_secret}>
                    <Suspense fallback={<Spinner label={t('pay.loading')} />}>
                      <StripePayment
                        publishableKey={publishableKey}
                        clientSecret={o.client_secret}
                        returnUrl={`${window.location.origin}${p(`/orders/${o.id}`)}`}
                        totalLabel={money(o.total_minor, o.currency)}
                        initialError={stripeReturn(sp, o.client_secret) === 'failed' ? t('pay.redirectFailed') : null}
                        onConfirmed={() => setConfirmed({ since: Date.now(), baseline: o.payment_error ?? null })}
                        onBusyChange={setPaying}
                      />
                    </Suspense>
                  </ErrorBoundary>
                ) : (
                  <p className="panel error-panel" role="alert">
                    {t('pay.unavailable')}
                  </p>
                )}
                <div className="row">{cancelButton}</div>
              </>
            )
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
