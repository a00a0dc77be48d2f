// The Stripe Payment Element of a pending card order. Loaded lazily (its own
// chunk, with @stripe/*): only a buyer who pays by card downloads it, and
// Stripe.js itself is fetched only when this mounts (the `pure` entry does not
// inject the script on import).
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { loadStripe } from '@stripe/stripe-js/pure';
import type { Appearance, Stripe, StripeElementLocale } from '@stripe/stripe-js';
import { Elements, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
import { Spinner } from '../../components/ui';

export interface StripePaymentProps {
  /** The platform's publishable key (destination charges: no connected account). */
  publishableKey: string;
  /** The order's PaymentIntent client secret. */
  clientSecret: string;
  /** Absolute URL Stripe returns to after a redirect-based method (this order page). */
  returnUrl: string;
  /** The amount on the pay button, formatted. */
  totalLabel: string;
  /** Shown at the form from the start (a failed redirect). */
  initialError?: string | null;
  /** Stripe accepted the payment: the order turns paid once its webhook arrives. */
  onConfirmed: () => void;
  /** A confirmation is in flight (the page disables cancelling meanwhile). */
  onBusyChange?: (busy: boolean) => void;
}

const loads = new Map<string, Promise<Stripe | null>>();

/** One Stripe.js per publishable key; a failed load is forgotten so a retry loads again. */
function stripeFor(key: string): Promise<Stripe | null> {
  let p = loads.get(key);
  if (!p) {
    p = loadStripe(key).catch((e: unknown) => {
      loads.delete(key);
      throw e;
    });
    loads.set(key, p);
  }
  return p;
}

const appearance: Appearance = {
  theme: 'stripe',
  variables: {
    colorPrimary: '#3b2f8f',
    colorDanger: '#b91c1c',
    colorText: '#1c1b29',
    borderRadius: '10px',
    fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  },
};

function stripeLocale(lang: string): StripeElementLocale {
  return lang.startsWith('es') ? 'es' : 'en';
}

/** PaymentIntent states in which the money is (being) taken: nothing left to enter. */
const ACCEPTED: string[] = ['succeeded', 'processing', 'requires_capture'];

type Loaded = { state: 'loading' } | { state: 'failed' } | { state: 'ready'; stripe: Stripe };

export default function StripePayment(props: StripePaymentProps) {
  const { t, i18n } = useTranslation();
  const [attempt, setAttempt] = useState(0);
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const onConfirmedRef = useRef(props.onConfirmed);
  onConfirmedRef.current = props.onConfirmed;

  useEffect(() => {
    let live = true;
    setLoaded({ state: 'loading' });
    stripeFor(props.publishableKey).then(
      async (stripe) => {
        if (!stripe) {
          if (live) setLoaded({ state: 'failed' });
          return;
        }
        // Paid already (a reload after paying, a second tab)? Then only the webhook is awaited.
        const done = await stripe
          .retrievePaymentIntent(props.clientSecret)
          .then((r) => !!r.paymentIntent && ACCEPTED.includes(r.paymentIntent.status))
          .catch(() => false);
        if (!live) return;
        if (done) onConfirmedRef.current();
        else setLoaded({ state: 'ready', stripe });
      },
      () => live && setLoaded({ state: 'failed' }),
    );
    return () => {
      live = false;
    };
  }, [props.publishableKey, props.clientSecret, attempt]);

  if (loaded.state === 'loading') return <Spinner label={t('pay.loading')} />;
  if (loaded.state === 'failed') {
    return (
      <div className="panel error-panel" role="alert">
        <p>{t('pay.loadFailed')}</p>
        <button className="btn" type="button" onClick={() => setAttempt((n) => n + 1)}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  return (
    <Elements
      stripe={loaded.stripe}
      options={{ clientSecret: props.clientSecret, appearance, locale: stripeLocale(i18n.language) }}
    >
      <PayForm {...props} />
    </Elements>
  );
}

function PayForm({ returnUrl, totalLabel, initialError, onConfirmed, onBusyChange }: StripePaymentProps) {
  const { t } = useTranslation();
  const stripe = useStripe();
  const elements = useElements();
  const errorId = useId();
  const [ready, setReady] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(initialError ?? null);

  const setBusyBoth = (b: boolean) => {
    setBusy(b);
    onBusyChange?.(b);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!stripe || !elements || busy) return;
    setBusyBoth(true);
    setError(null);
    try {
      const r = await stripe.confirmPayment({
        elements,
        confirmParams: { return_url: returnUrl },
        redirect: 'if_required',
      });
      if (r.error) {
        setError(r.error.message || t('pay.failed'));
      } else if (ACCEPTED.includes(r.paymentIntent.status)) {
        // The webhook marks the order paid.
        onConfirmed();
      } else {
        setError(t('pay.failed'));
      }
    } catch {
      setError(t('pay.failed'));
    } finally {
      setBusyBoth(false);
    }
  };

  return (
    <form className="form stripe-form" aria-label={t('pay.formLabel')} onSubmit={submit} noValidate aria-busy={!ready || busy}>
      {!ready && <Spinner label={t('pay.loading')} />}
      <PaymentElement
        options={{ layout: 'tabs' }}
        onReady={() => setReady(true)}
        onLoadError={(ev) => {
          setReady(false);
          setError(ev.error.message || t('pay.loadFailed'));
        }}
      />
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
      <button
        className="btn primary big"
        type="submit"
        disabled={!stripe || !elements || !ready || busy}
        aria-describedby={error ? errorId : undefined}
      >
        {busy ? t('pay.submitting') : t('pay.submit', { total: totalLabel })}
      </button>
    </form>
  );
}
