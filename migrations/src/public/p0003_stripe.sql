-- Stripe: which tenant and order a PaymentIntent belongs to (events about
-- charges and disputes name only the PaymentIntent), and the events already
-- handled (Stripe delivers at least once; each event id is acted on once).
CREATE TABLE stripe_payment_intents (
    id          text PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    order_id    uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE stripe_events (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    tenant_id    uuid REFERENCES tenants (id),
    outcome      text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
