import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call, newIdempotencyKey } from '../../api/client';
import { useSession } from '../../api/auth';
import { useStorePath, useTenant } from '../../lib/TenantContext';
import { money } from '../../lib/format';
import { reportFormError, toastError } from '../../lib/forms';
import { Countdown } from '../../components/Countdown';
import { ErrorView, Skeleton, TextField } from '../../components/ui';
import { holdKey } from './SessionPage';
import { useLoginPath } from './StoreApp';

/** One Idempotency-Key per checkout (per hold), kept across reloads and retries. */
export function checkoutKey(holdId: string): string {
  const k = `taquilla.idem.${holdId}`;
  let v = sessionStorage.getItem(k);
  if (!v) {
    v = newIdempotencyKey();
    sessionStorage.setItem(k, v);
  }
  return v;
}

export function CheckoutPage() {
  const { t } = useTranslation();
  const { holdId = '' } = useParams();
  const { api, slug } = useTenant();
  const p = useStorePath();
  const nav = useNavigate();
  const qc = useQueryClient();
  const session = useSession(slug);
  const loginPath = useLoginPath();
  const [coupon, setCoupon] = useState<string | null>(null);
  const [expired, setExpired] = useState(false);

  const hold = useQuery({
    queryKey: ['hold', slug, holdId],
    enabled: !!session,
    queryFn: () => call(api.GET('/api/v1/holds/{id}', { params: { path: { id: holdId } } })),
  });
  const quote = useQuery({
    queryKey: ['quote', slug, holdId, coupon],
    enabled: !!session && hold.data?.status === 'active',
    queryFn: () => call(api.POST('/api/v1/quotes', { body: { hold_id: holdId, coupon_code: coupon } })),
    retry: false,
  });
  const providers = useQuery({
    queryKey: ['providers', slug],
    queryFn: () => call(api.GET('/api/v1/payments/providers')),
    staleTime: 5 * 60_000,
  });

  const form = useForm<{ coupon_code: string }>({ defaultValues: { coupon_code: '' } });
  const applyCoupon = form.handleSubmit(async ({ coupon_code }) => {
    const code = coupon_code.trim();
    if (!code) {
      setCoupon(null);
      return;
    }
    try {
      await qc.fetchQuery({
        queryKey: ['quote', slug, holdId, code],
        queryFn: () => call(api.POST('/api/v1/quotes', { body: { hold_id: holdId, coupon_code: code } })),
      });
      setCoupon(code);
      toast.success(t('checkout.couponApplied'));
    } catch (e) {
      reportFormError(e, form.setError, ['coupon_code']);
    }
  });

  const place = useMutation({
    mutationFn: () =>
      call(
        api.POST('/api/v1/orders', {
          body: { hold_id: holdId, coupon_code: coupon },
          params: { header: { 'Idempotency-Key': checkoutKey(holdId) } },
        }),
      ),
    onSuccess: (o) => {
      if (hold.data) sessionStorage.removeItem(holdKey(slug, hold.data.session_id));
      void qc.invalidateQueries({ queryKey: ['ticket-types', slug] });
      void qc.invalidateQueries({ queryKey: ['my-tickets', slug] });
      qc.setQueryData(['order', slug, o.id], o);
      nav(p(`/orders/${o.id}`), { replace: true });
    },
    onError: toastError,
  });

  if (!session) {
    return (
      <main className="container narrow">
        <p>{t('checkout.loginFirst')}</p>
        <Link className="btn primary" to={loginPath}>
          {t('auth.login')}
        </Link>
      </main>
    );
  }
  if (hold.isPending) {
    return (
      <main className="container narrow">
        <Skeleton lines={6} />
      </main>
    );
  }
  if (hold.isError) {
    return (
      <main className="container narrow">
        <ErrorView error={hold.error} retry={() => void hold.refetch()} loginTo={loginPath} />
      </main>
    );
  }
  const h = hold.data;
  const gone = expired || h.status !== 'active';
  const q = quote.data;
  const provider = q && q.total_minor === 0 ? 'free' : providers.data?.tenant_default;
  // A card order could not be paid here without Stripe.js's key: say so before ordering.
  const cardUnavailable = provider === 'stripe' && !providers.data?.stripe_publishable_key;

  return (
    <main className="container narrow">
      <h1>{t('checkout.title')}</h1>
      <div className="row between">
        <span className="muted">{t('checkout.holdNote')}</span>
        {!gone && <Countdown until={h.expires_at} onExpire={() => setExpired(true)} />}
      </div>
      {gone ? (
        <div className="panel error-panel" role="alert">
          <p>{t('checkout.holdGone')}</p>
          <Link className="btn" to={p('/')}>
            {t('nav.events')}
          </Link>
        </div>
      ) : (
        <>
          <section className="panel" aria-busy={quote.isFetching}>
            <h2>{t('checkout.summary')}</h2>
            {quote.isPending ? (
              <Skeleton lines={4} />
            ) : quote.isError ? (
              <ErrorView error={quote.error} retry={() => void quote.refetch()} />
            ) : (
              q && (
                <table className="table">
                  <thead>
                    <tr>
                      <th>{t('checkout.item')}</th>
                      <th className="num">{t('checkout.qty')}</th>
                      <th className="num">{t('checkout.unit')}</th>
                      <th className="num">{t('checkout.lineTotal')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {q.lines.map((l, i) => (
                      <tr key={i}>
                        <td>
                          {l.name}
                          {l.label && <div className="price-label">🏷 {l.label}</div>}
                        </td>
                        <td className="num">{l.quantity}</td>
                        <td className="num">
                          {l.unit_price_minor !== l.base_price_minor && (
                            <s className="muted small">{money(l.base_price_minor, q.currency)}</s>
                          )}{' '}
                          {money(l.unit_price_minor, q.currency)}
                        </td>
                        <td className="num">{money(l.line_total_minor, q.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <td colSpan={3}>{t('checkout.subtotal')}</td>
                      <td className="num">{money(q.subtotal_minor, q.currency)}</td>
                    </tr>
                    {q.discount_minor > 0 && (
                      <tr>
                        <td colSpan={3}>
                          {t('checkout.discount')} {q.coupon_code && <code>{q.coupon_code}</code>}
                        </td>
                        <td className="num">−{money(q.discount_minor, q.currency)}</td>
                      </tr>
                    )}
                    <tr className="total">
                      <td colSpan={3}>{t('checkout.total')}</td>
                      <td className="num">{money(q.total_minor, q.currency)}</td>
                    </tr>
                  </tfoot>
                </table>
              )
            )}
          </section>

          <form className="panel form inline-form" onSubmit={applyCoupon} noValidate>
            <TextField
              label={t('checkout.coupon')}
              autoComplete="off"
              error={form.formState.errors.coupon_code?.message}
              {...form.register('coupon_code')}
            />
            <div className="row">
              <button className="btn" type="submit" disabled={form.formState.isSubmitting}>
                {t('checkout.apply')}
              </button>
              {coupon && (
                <button
                  className="btn"
                  type="button"
                  onClick={() => {
                    setCoupon(null);
                    form.reset({ coupon_code: '' });
                  }}
                >
                  {t('checkout.removeCoupon')}
                </button>
              )}
            </div>
          </form>

          <section className="panel">
            <h2>{t('checkout.payment')}</h2>
            {cardUnavailable ? (
              <p className="panel error-panel" role="alert">
                {t('pay.unavailable')}
              </p>
            ) : (
              <p>
                {provider === 'free'
                  ? t('checkout.payFree')
                  : provider === 'manual'
                    ? t('checkout.payManual')
                    : provider === 'stripe'
                      ? t('checkout.payStripe')
                      : t('common.loading')}
              </p>
            )}
            <button
              className="btn primary big"
              disabled={!q || place.isPending || cardUnavailable}
              onClick={() => place.mutate()}
            >
              {place.isPending ? t('common.working') : t('checkout.placeOrder', { total: q ? money(q.total_minor, q.currency) : '' })}
            </button>
          </section>
        </>
      )}
    </main>
  );
}
