// The order page's card payment. Stripe is a third party the tests cannot
// reach: @stripe/stripe-js/pure and @stripe/react-stripe-js are replaced by
// small stand-ins that record what the page asks of them; the page, its
// routing, queries and polling are the real ones.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, configure, fireEvent, screen, waitFor } from '@testing-library/react';
import i18n from '../../i18n';
import { renderAt } from '../../test/renderApp';
import { setSession } from '../../api/auth';
import { stripeReturn } from './OrderPage';

// Polls are 1.5 s apart, and this machine may be busy: wait up to 3 s by default.
configure({ asyncUtilTimeout: 3000 });

const stripe = vi.hoisted(() => {
  const elements = { id: 'fake-elements' };
  const instance = {
    confirmPayment: vi.fn(),
    retrievePaymentIntent: vi.fn(),
  };
  return {
    elements,
    instance,
    loadStripe: vi.fn(),
    /** The options of every <Elements> rendered. */
    elementsOptions: [] as Array<Record<string, unknown>>,
  };
});

vi.mock('@stripe/stripe-js/pure', () => ({ loadStripe: stripe.loadStripe }));

vi.mock('@stripe/react-stripe-js', async () => {
  const React = await import('react');
  const StripeCtx = React.createContext<unknown>(null);
  return {
    Elements: ({ stripe: s, options, children }: { stripe: unknown; options: Record<string, unknown>; children: React.ReactNode }) => {
      stripe.elementsOptions.push(options);
      return <StripeCtx.Provider value={s}>{children}</StripeCtx.Provider>;
    },
    PaymentElement: ({ onReady }: { onReady?: (e: unknown) => void }) => {
      React.useEffect(() => onReady?.({}), [onReady]);
      return <div data-testid="payment-element" />;
    },
    useStripe: () => React.useContext(StripeCtx),
    useElements: () => stripe.elements,
  };
});

type Order = Record<string, unknown>;

function stripeOrder(over: Order = {}): Order {
  return {
    id: 'o1',
    user_id: 'u1',
    session_id: 's1',
    status: 'pending',
    total_minor: 1250,
    discount_minor: 0,
    currency: 'EUR',
    provider: 'stripe',
    payment_ref: 'pi_123',
    client_secret: 'pi_123_secret_abc',
    payment_error: null,
    refunded_minor: 0,
    expires_at: null,
    paid_at: null,
    created_at: '2030-01-01T00:00:00Z',
    items: [],
    ticket_ids: [],
    pricing_scripts: [],
    ...over,
  };
}

const paid = (): Order =>
  stripeOrder({ status: 'paid', client_secret: null, paid_at: '2030-01-01T00:01:00Z', ticket_ids: ['t1'] });

let keyN = 0;

describe('order page: card payment with the Stripe Payment Element', () => {
  /** What GET /api/v1/orders/o1 answers now; tests change it to simulate the webhook. */
  let order: Order;
  let publishableKey: string | null;
  let orderGets: number;
  let requests: string[];

  // The lazy Stripe chunk's first import is slow on a busy machine: warm it once.
  beforeAll(() => import('./StripePayment'));

  beforeEach(async () => {
    await i18n.changeLanguage('en');
    // A fresh key per test: the page keeps one Stripe.js per key for the app's life.
    publishableKey = `pk_test_${++keyN}`;
    order = stripeOrder();
    orderGets = 0;
    requests = [];
    stripe.elementsOptions.length = 0;
    stripe.loadStripe.mockReset().mockResolvedValue(stripe.instance);
    stripe.instance.confirmPayment.mockReset();
    stripe.instance.retrievePaymentIntent.mockReset().mockResolvedValue({ paymentIntent: { status: 'requires_payment_method' } });
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request | string, init?: RequestInit) => {
        const req = typeof input === 'string' ? new Request(new URL(input, window.location.origin), init) : input;
        const url = new URL(req.url);
        requests.push(`${req.method} ${url.pathname}`);
        const json = (body: unknown) =>
          new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
        if (req.method === 'GET' && url.pathname === '/api/v1/orders/o1') {
          orderGets++;
          return json(order);
        }
        if (url.pathname === '/api/v1/payments/providers') {
          return json({
            offered: ['free', 'manual', 'stripe'],
            stripe_configured: true,
            tenant_default: 'stripe',
            stripe_publishable_key: publishableKey,
          });
        }
        if (req.method === 'POST' && url.pathname === '/api/v1/orders/o1/cancel') {
          order = stripeOrder({ status: 'cancelled', client_secret: null });
          return json(order);
        }
        // The checkout of hold h1, which places order o1.
        if (url.pathname === '/api/v1/holds/h1') {
          return json({ id: 'h1', session_id: 's1', status: 'active', expires_at: '2099-01-01T00:00:00Z', items: [] });
        }
        if (url.pathname === '/api/v1/quotes') {
          return json({ session_id: 's1', currency: 'EUR', lines: [], subtotal_minor: 1250, discount_minor: 0, total_minor: 1250 });
        }
        if (req.method === 'POST' && url.pathname === '/api/v1/orders') return json(order);
        if (url.pathname.endsWith('/qr.svg')) return new Response('<svg xmlns="http://www.w3.org/2000/svg"/>', { status: 200 });
        return new Response('{}', { status: 404, headers: { 'content-type': 'application/json' } });
      }),
    );
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setSession('demo', null);
  });

  function logIn() {
    setSession('demo', {
      accessToken: 'tok',
      refreshToken: null,
      expiresAt: Date.now() + 3_600_000,
      user: { id: 'u1', email: 'a@b.c', role: 'attendee' } as never,
    });
  }

  it('goes from checkout to the order page’s Payment Element when orders are paid by card', async () => {
    logIn();
    renderAt('/t/demo/checkout/h1');
    expect(await screen.findByText(/You pay by card on the next step/)).toBeInTheDocument();
    const place = await screen.findByRole('button', { name: 'Place order €12.50' });
    await waitFor(() => expect(place).toBeEnabled());
    // Nothing of Stripe before the order exists.
    expect(stripe.loadStripe).not.toHaveBeenCalled();
    fireEvent.click(place);
    expect(await screen.findByTestId('payment-element')).toBeInTheDocument();
    expect(requests).toContain('POST /api/v1/orders');
    expect(stripe.loadStripe).toHaveBeenCalledWith(publishableKey);
  });

  it('does not let the buyer place a card order that could not be paid here (no publishable key)', async () => {
    logIn();
    publishableKey = null;
    renderAt('/t/demo/checkout/h1');
    expect(await screen.findByRole('alert')).toHaveTextContent('Card payments are not available here right now.');
    expect(await screen.findByRole('button', { name: 'Place order €12.50' })).toBeDisabled();
  });


  it('shows the Payment Element for a pending Stripe order, with the platform key and the order’s client secret', async () => {
    renderAt('/t/demo/orders/o1');
    expect(await screen.findByTestId('payment-element')).toBeInTheDocument();
    // Destination charges: the platform key alone, no connected account.
    expect(stripe.loadStripe).toHaveBeenCalledTimes(1);
    expect(stripe.loadStripe.mock.calls[0]).toEqual([publishableKey]);
    expect(stripe.elementsOptions.at(-1)).toMatchObject({ clientSecret: 'pi_123_secret_abc', locale: 'en' });
    expect(screen.getByRole('form', { name: 'Card payment' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Pay €12.50' })).toBeEnabled());
    expect(screen.getByRole('button', { name: 'Cancel order' })).toBeInTheDocument();
  });

  it('passes the Spanish locale to Stripe when the page is in Spanish', async () => {
    await i18n.changeLanguage('es');
    renderAt('/t/demo/orders/o1');
    expect(await screen.findByTestId('payment-element')).toBeInTheDocument();
    expect(stripe.elementsOptions.at(-1)).toMatchObject({ locale: 'es' });
    expect(screen.getByRole('button', { name: /^Pagar/ })).toBeInTheDocument();
  });

  it('never loads Stripe for orders that are not pending card payments', async () => {
    order = stripeOrder({ provider: 'manual', client_secret: null });
    const { unmount } = renderAt('/t/demo/orders/o1');
    expect(await screen.findByText('Pay at the door')).toBeInTheDocument();
    unmount();

    order = paid();
    renderAt('/t/demo/orders/o1');
    expect(await screen.findByRole('heading', { name: 'Your ticket' })).toBeInTheDocument();
    await act(() => new Promise((r) => setTimeout(r, 50)));
    expect(screen.queryByTestId('payment-element')).not.toBeInTheDocument();
    expect(stripe.loadStripe).not.toHaveBeenCalled();
    expect(requests).not.toContain('GET /api/v1/payments/providers');
  });

  it('says card payments are unavailable, without a broken form, when there is no publishable key', async () => {
    publishableKey = null;
    renderAt('/t/demo/orders/o1');
    expect(await screen.findByRole('alert')).toHaveTextContent('Card payments are not available here right now. Contact the organizer');
    expect(screen.queryByTestId('payment-element')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Pay / })).not.toBeInTheDocument();
    expect(stripe.loadStripe).not.toHaveBeenCalled();
    // The order can still be cancelled.
    fireEvent.click(screen.getByRole('button', { name: 'Cancel order' }));
    expect(await screen.findByText('Cancelled')).toBeInTheDocument();
  });

  it('says the same for a Stripe order without a client secret', async () => {
    order = stripeOrder({ client_secret: null });
    renderAt('/t/demo/orders/o1');
    expect(await screen.findByRole('alert')).toHaveTextContent('Card payments are not available here right now.');
    expect(stripe.loadStripe).not.toHaveBeenCalled();
  });

  it('confirms with this order page as return_url and shows Stripe’s error at the form', async () => {
    stripe.instance.confirmPayment.mockResolvedValue({
      error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' },
    });
    renderAt('/t/demo/orders/o1');
    const pay = await screen.findByRole('button', { name: 'Pay €12.50' });
    await waitFor(() => expect(pay).toBeEnabled());
    fireEvent.click(pay);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your card was declined.');
    expect(stripe.instance.confirmPayment).toHaveBeenCalledTimes(1);
    expect(stripe.instance.confirmPayment).toHaveBeenCalledWith({
      elements: stripe.elements,
      confirmParams: { return_url: `${window.location.origin}/t/demo/orders/o1` },
      redirect: 'if_required',
    });
    // Still payable, nothing awaited from the server.
    expect(screen.getByRole('button', { name: 'Pay €12.50' })).toBeEnabled();
    expect(pay).toHaveAttribute('aria-describedby', alert.id);
    expect(screen.queryByText('Processing your payment…')).not.toBeInTheDocument();
    const gets = orderGets;
    await act(() => new Promise((r) => setTimeout(r, 1800)));
    expect(orderGets).toBe(gets);
  });

  it('after Stripe accepts the payment, shows processing and polls the order until it is paid', async () => {
    stripe.instance.confirmPayment.mockResolvedValue({ paymentIntent: { id: 'pi_123', status: 'succeeded' } });
    renderAt('/t/demo/orders/o1');
    const pay = await screen.findByRole('button', { name: 'Pay €12.50' });
    await waitFor(() => expect(pay).toBeEnabled());
    fireEvent.click(pay);

    expect(await screen.findByText('Processing your payment…')).toBeInTheDocument();
    expect(screen.queryByTestId('payment-element')).not.toBeInTheDocument();
    const before = orderGets;
    // The webhook has not arrived: the next poll still says pending.
    await waitFor(() => expect(orderGets).toBeGreaterThan(before));
    expect(screen.getByText('Processing your payment…')).toBeInTheDocument();

    order = paid(); // the webhook reached the server
    expect(await screen.findByRole('heading', { name: 'Your ticket' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Thank you!' })).toBeInTheDocument();
    expect(screen.queryByText('Processing your payment…')).not.toBeInTheDocument();
    // Paid: polling stops.
    const done = orderGets;
    await act(() => new Promise((r) => setTimeout(r, 1800)));
    expect(orderGets).toBe(done);
  }, 10_000);

  it('on return from a redirect, shows processing without loading Stripe, and polls until paid', async () => {
    renderAt(
      '/t/demo/orders/o1?payment_intent=pi_123&payment_intent_client_secret=pi_123_secret_abc&redirect_status=succeeded',
    );
    expect(await screen.findByText('Processing your payment…')).toBeInTheDocument();
    expect(stripe.loadStripe).not.toHaveBeenCalled();
    order = paid();
    expect(await screen.findByRole('heading', { name: 'Your ticket' })).toBeInTheDocument();
  }, 10_000);

  it('goes back to the form when the server records a new refusal while processing', async () => {
    order = stripeOrder({ payment_error: 'Old failure.' });
    renderAt('/t/demo/orders/o1?payment_intent=pi_123&redirect_status=processing');
    expect(await screen.findByText('Processing your payment…')).toBeInTheDocument();
    order = stripeOrder({ payment_error: 'Your bank refused the debit.' });
    expect(
      await screen.findByText('The last payment attempt failed: Your bank refused the debit.', undefined),
    ).toBeInTheDocument();
    expect(await screen.findByTestId('payment-element')).toBeInTheDocument();
  }, 10_000);

  it('shows the form again with a message after a failed redirect', async () => {
    renderAt('/t/demo/orders/o1?payment_intent=pi_123&redirect_status=failed');
    expect(await screen.findByTestId('payment-element')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('The payment was not completed.');
    expect(screen.queryByText('Processing your payment…')).not.toBeInTheDocument();
  });

  it('treats a PaymentIntent Stripe already took (a reload after paying) as processing', async () => {
    stripe.instance.retrievePaymentIntent.mockResolvedValue({ paymentIntent: { status: 'succeeded' } });
    renderAt('/t/demo/orders/o1');
    expect(await screen.findByText('Processing your payment…')).toBeInTheDocument();
    expect(stripe.instance.retrievePaymentIntent).toHaveBeenCalledWith('pi_123_secret_abc');
    expect(screen.queryByTestId('payment-element')).not.toBeInTheDocument();
  });

  it('offers a retry when Stripe.js cannot be loaded', async () => {
    stripe.loadStripe.mockRejectedValueOnce(new Error('Failed to load Stripe.js'));
    renderAt('/t/demo/orders/o1');
    expect(await screen.findByRole('alert')).toHaveTextContent('The payment form could not be loaded.');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('payment-element')).toBeInTheDocument();
    expect(stripe.loadStripe).toHaveBeenCalledTimes(2);
  });
});

describe('stripeReturn', () => {
  const sp = (s: string) => new URLSearchParams(s);
  it('reads Stripe’s redirect parameters for this order’s PaymentIntent only', () => {
    expect(stripeReturn(sp(''), 'pi_1_secret_x')).toBeNull();
    expect(stripeReturn(sp('payment_intent=pi_1&redirect_status=succeeded'), 'pi_1_secret_x')).toBe('ok');
    expect(stripeReturn(sp('payment_intent=pi_1&redirect_status=processing'), 'pi_1_secret_x')).toBe('ok');
    expect(stripeReturn(sp('payment_intent=pi_1&redirect_status=failed'), 'pi_1_secret_x')).toBe('failed');
    expect(stripeReturn(sp('payment_intent=pi_2&redirect_status=succeeded'), 'pi_1_secret_x')).toBeNull();
  });
});
