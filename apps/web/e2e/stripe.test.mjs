/**
 * Card checkout with Stripe's Payment Element, in a real browser, against a
 * second `taquilla serve` configured for Stripe (scripts/e2e.sh passes the
 * binary and the database):
 *
 *  - api.stripe.com is a local stand-in speaking its PaymentIntents API (our
 *    server's Stripe client is the real one);
 *  - js.stripe.com is routed to a stand-in Stripe.js that mounts a fake card
 *    form and records `confirmPayment` (our React code and
 *    @stripe/react-stripe-js are the real ones);
 *  - the payment is confirmed as Stripe does it: a `payment_intent.succeeded`
 *    event, signed with the webhook secret, posted to /webhooks/stripe.
 *
 * The buyer places an order, sees the Payment Element, pays, sees
 * "processing", and the tickets appear once the signed event lands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { ADMIN_EMAIL, ADMIN_PASSWORD, actor, journey, launch, tag, textContains, visible, waitFor } from './helpers.mjs';

const BIN = process.env.E2E_TAQUILLA_BIN;
const WHSEC = `whsec_e2e${randomBytes(8).toString('hex')}`;
const PK = 'pk_test_e2e';
const T = tag();

/** api.stripe.com, as far as our server uses it: PaymentIntents, one per Idempotency-Key. */
async function stripeStandIn() {
  const intents = new Map();
  const byKey = new Map();
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(raw));
      if (req.method === 'POST' && req.url === '/v1/payment_intents') {
        const key = req.headers['idempotency-key'] ?? randomBytes(8).toString('hex');
        let pi = byKey.get(key);
        if (!pi) {
          const id = `pi_${randomBytes(12).toString('hex')}`;
          const metadata = Object.fromEntries(
            Object.entries(form)
              .filter(([k]) => k.startsWith('metadata['))
              .map(([k, v]) => [k.slice(9, -1), v]),
          );
          pi = paymentIntent(id, Number(form.amount), form.currency, metadata, 'requires_payment_method');
          byKey.set(key, pi);
          intents.set(id, pi);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(pi));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `no ${req.method} ${req.url} here` } }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, intents, url: `http://127.0.0.1:${server.address().port}/` };
}

function paymentIntent(id, amount, currency, metadata, status) {
  return {
    id, object: 'payment_intent', amount, amount_capturable: 0, amount_details: { tip: {} },
    amount_received: status === 'succeeded' ? amount : 0, application: null, application_fee_amount: null,
    automatic_payment_methods: { allow_redirects: 'always', enabled: true }, canceled_at: null,
    cancellation_reason: null, capture_method: 'automatic_async', client_secret: `${id}_secret_e2e`,
    confirmation_method: 'automatic', created: Math.floor(Date.now() / 1000), currency, customer: null,
    description: null, excluded_payment_method_types: null, last_payment_error: null,
    latest_charge: status === 'succeeded' ? 'ch_e2e' : null, livemode: false, metadata, next_action: null,
    on_behalf_of: null, payment_method: null, payment_method_configuration_details: null,
    payment_method_options: {}, payment_method_types: ['card'], processing: null, receipt_email: null,
    review: null, setup_future_usage: null, shipping: null, source: null, statement_descriptor: null,
    statement_descriptor_suffix: null, status, transfer_data: null, transfer_group: null,
  };
}

/** Stripe.js, as far as @stripe/react-stripe-js and our page use it. */
const FAKE_STRIPE_JS = `
(() => {
  window.__stripe = { keys: [], confirms: [] };
  const element = () => {
    const handlers = {};
    return {
      mount(target) {
        const node = typeof target === 'string' ? document.querySelector(target) : target;
        node.innerHTML = '<div data-testid="fake-card">Card number <input aria-label="Card number" value="4242 4242 4242 4242"></div>';
        setTimeout(() => (handlers.ready || []).forEach((h) => h({ elementType: 'payment' })), 50);
      },
      on(ev, h) { (handlers[ev] = handlers[ev] || []).push(h); return this; },
      off(ev, h) { handlers[ev] = (handlers[ev] || []).filter((x) => x !== h); return this; },
      update() {}, destroy() {}, unmount() {}, collapse() {}, focus() {}, blur() {}, clear() {},
    };
  };
  function Stripe(key, options) {
    window.__stripe.keys.push({ key, options: options || null });
    return {
      _registerWrapper() {}, registerAppInfo() {},
      // What @stripe/react-stripe-js checks to accept the object as Stripe.
      async createToken() { throw new Error('not in this stand-in'); },
      async createPaymentMethod() { throw new Error('not in this stand-in'); },
      async confirmCardPayment() { throw new Error('not in this stand-in'); },
      elements(opts) {
        window.__stripe.elementsOptions = opts;
        return { create: () => element(), getElement: () => null, update() {}, submit: async () => ({}), fetchUpdates: async () => ({}) };
      },
      async retrievePaymentIntent(secret) {
        return { paymentIntent: { id: secret.split('_secret_')[0], status: 'requires_payment_method' } };
      },
      async confirmPayment(args) {
        window.__stripe.confirms.push({ return_url: args.confirmParams && args.confirmParams.return_url, redirect: args.redirect });
        const secret = window.__stripe.elementsOptions.clientSecret;
        return { paymentIntent: { id: secret.split('_secret_')[0], status: 'processing' } };
      },
    };
  }
  Stripe.version = 'endive';
  window.Stripe = Stripe;
})();
`;

async function api(base, method, path, { tenant, token, body } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (tenant) headers['x-tenant'] = tenant;
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return data;
}

async function startServer(standin) {
  const port = await new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });
  const child = spawn(BIN, ['serve'], {
    env: {
      ...process.env,
      TAQUILLA_BIND: `127.0.0.1:${port}`,
      STRIPE_SECRET_KEY: 'sk_test_e2e',
      STRIPE_PUBLISHABLE_KEY: PK,
      STRIPE_WEBHOOK_SECRET: WHSEC,
      STRIPE_API_BASE: standin.url,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-20_000)));
  const base = `http://127.0.0.1:${port}`;
  await waitFor('the Stripe-configured server', async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok, {
    timeout: 60_000,
  }).catch((e) => {
    throw new Error(`${e.message}\n${log}`);
  });
  return { base, child, log: () => log };
}

test('card checkout with the Stripe Payment Element', { skip: !BIN && 'E2E_TAQUILLA_BIN is not set (scripts/e2e.sh sets it)', timeout: 5 * 60_000 }, async (t) => {
  const standin = await stripeStandIn();
  const srv = await startServer(standin);
  const browser = await launch();
  const people = {};
  const step = journey(t, () => Object.values(people));
  t.after(async () => {
    await browser.close();
    srv.child.kill();
    standin.server.close();
  });
  const slug = `cards-${T}`;
  const state = {};

  await step('a tenant with an event on sale, set up through the API', async () => {
    const admin = await api(srv.base, 'POST', '/api/v1/admin/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    const adminEmail = `owner-${T}@e2e.example.com`;
    const password = `Owner-pass-${T}-1`;
    await api(srv.base, 'POST', '/api/v1/admin/tenants', {
      token: admin.access_token,
      body: { slug, name: `Cards ${T}`, admin: { email: adminEmail, password } },
    });
    const owner = await api(srv.base, 'POST', '/api/v1/auth/login', { tenant: slug, body: { email: adminEmail, password } });
    const tok = { tenant: slug, token: owner.access_token };
    const starts = new Date(Date.now() + 20 * 24 * 3600 * 1000);
    starts.setUTCMinutes(0, 0, 0);
    const iso = (d) => d.toISOString();
    const ev = await api(srv.base, 'POST', '/api/v1/events', {
      ...tok,
      body: {
        title: `Card Night ${T}`, description: 'Paid by card', category: 'music', venue: 'Sala Stripe', status: 'published',
        starts_at: iso(starts), ends_at: iso(new Date(starts.getTime() + 6 * 3600 * 1000)), timezone: 'Europe/Madrid',
      },
    });
    const ses = await api(srv.base, 'POST', `/api/v1/events/${ev.id}/sessions`, {
      ...tok,
      body: { title: 'Main show', venue: 'Sala Stripe', starts_at: iso(starts), ends_at: iso(new Date(starts.getTime() + 3 * 3600 * 1000)), capacity: 50 },
    });
    await api(srv.base, 'POST', `/api/v1/sessions/${ses.id}/ticket-types`, {
      ...tok,
      body: { name: 'General', price_minor: 2500, currency: 'EUR', capacity: 50 },
    });
    for (const status of ['teaser', 'presale', 'on_sale']) {
      await api(srv.base, 'PATCH', `/api/v1/events/${ev.id}/sessions/${ses.id}`, { ...tok, body: { status } });
    }
    const providers = await api(srv.base, 'GET', '/api/v1/payments/providers', { tenant: slug });
    assert.equal(providers.tenant_default, 'stripe');
    assert.equal(providers.stripe_publishable_key, PK);
    Object.assign(state, { eventId: ev.id, sessionId: ses.id });
  });

  await step('the buyer orders two tickets and pays in the Payment Element; the tickets appear after the signed event', async () => {
    const b = (people.buyer = await actor(browser, 'card-buyer'));
    const p = b.page;
    let stripeJsLoads = 0;
    await b.context.route('https://js.stripe.com/**', (route) => {
      stripeJsLoads += 1;
      return route.fulfill({ status: 200, contentType: 'application/javascript', body: FAKE_STRIPE_JS });
    });
    await p.goto(`${srv.base}/t/${slug}/register`);
    await p.getByLabel('Name').fill(`Cara Card ${T}`);
    await p.getByLabel('E-mail').fill(`cara-${T}@e2e.example.com`);
    await p.getByLabel('Password').fill(`Cara-pass-${T}-1`);
    await p.getByRole('button', { name: 'Create account' }).click();
    await visible(p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My tickets' }));

    await p.goto(`${srv.base}/t/${slug}/events/${state.eventId}/sessions/${state.sessionId}`);
    await p.getByRole('button', { name: 'One more' }).click();
    await p.getByRole('button', { name: 'One more' }).click();
    await p.getByRole('button', { name: 'Reserve' }).click();
    await p.getByRole('region', { name: 'Reserved for you' }).getByRole('button', { name: 'Checkout' }).click();
    await visible(p.getByRole('heading', { name: 'Checkout', level: 1 }));
    await textContains(p.locator('main'), ['€50.00', 'You pay by card on the next step']);
    assert.equal(stripeJsLoads, 0, 'Stripe.js is not loaded before paying');
    await p.getByRole('button', { name: 'Place order €50.00' }).click();

    // The order page: pending, with the Payment Element.
    await waitFor('the order page', () => /\/orders\/[0-9a-f-]{36}$/.test(new URL(p.url()).pathname));
    const orderUrl = p.url();
    const form = p.getByRole('form', { name: 'Card payment' });
    await visible(form.getByTestId('fake-card'));
    const keys = await p.evaluate(() => window.__stripe.keys);
    assert.deepEqual(keys, [{ key: PK, options: null }], 'the platform key, no connected account');
    const clientSecret = await p.evaluate(() => window.__stripe.elementsOptions.clientSecret);
    const piId = clientSecret.split('_secret_')[0];
    assert.ok(standin.intents.has(piId), 'the Element runs on the PaymentIntent our server opened');
    assert.equal(standin.intents.get(piId).amount, 5000);

    await form.getByRole('button', { name: 'Pay €50.00' }).click();
    await visible(p.getByText('Processing your payment…'));
    const confirms = await p.evaluate(() => window.__stripe.confirms);
    assert.deepEqual(confirms, [{ return_url: orderUrl, redirect: 'if_required' }]);
    // Still pending: only Stripe's signed event marks it paid.
    await p.waitForTimeout(500);
    assert.equal(await p.getByRole('heading', { name: /Your 2 tickets/ }).count(), 0);

    // Stripe confirms the payment: a signed payment_intent.succeeded.
    const pi = { ...standin.intents.get(piId), status: 'succeeded', amount_received: 5000, latest_charge: 'ch_e2e' };
    const body = JSON.stringify({
      id: `evt_${randomBytes(12).toString('hex')}`, object: 'event', api_version: '2025-10-29.clover',
      created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1,
      request: { id: null, idempotency_key: null }, type: 'payment_intent.succeeded', data: { object: pi },
    });
    const ts = Math.floor(Date.now() / 1000);
    const sig = createHmac('sha256', WHSEC).update(`${ts}.${body}`).digest('hex');
    const res = await fetch(`${srv.base}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': `t=${ts},v1=${sig}` },
      body,
    });
    assert.equal(res.status, 200, await res.text());

    // The page was polling: the tickets appear without a reload.
    await visible(p.getByRole('heading', { name: 'Your 2 tickets' }));
    await textContains(p.locator('main'), 'Paid');
    assert.equal(await p.getByRole('form', { name: 'Card payment' }).count(), 0, 'nothing left to pay');
  });
});
