-- Payments: Stripe PaymentIntents, refunds (full and partial), disputes.
ALTER TABLE orders
    -- Handed to the buyer's browser to confirm a Stripe payment; not a
    -- credential (it can only confirm this one payment).
    ADD COLUMN client_secret   text,
    -- Money returned so far; the order is `refunded` when it reaches the total.
    ADD COLUMN refunded_minor  bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    -- The provider's last refusal (card declined…), for the buyer and support.
    ADD COLUMN payment_error   text,
    ADD COLUMN disputed_at     timestamptz,
    ADD CONSTRAINT orders_refund_within_total CHECK (refunded_minor <= total_minor);
CREATE INDEX orders_payment_ref_idx ON orders (payment_ref) WHERE payment_ref IS NOT NULL;

CREATE TABLE refunds (
    id            uuid PRIMARY KEY,
    order_id      uuid NOT NULL REFERENCES orders (id),
    amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
    -- Tickets voided by this refund (none for a goodwill refund of money only).
    ticket_ids    uuid[] NOT NULL DEFAULT '{}',
    -- requested (by staff), late_payment (paid after the order expired and
    -- its stock was gone), provider (made at Stripe, e.g. in its dashboard).
    reason        text NOT NULL CHECK (reason IN ('requested', 'late_payment', 'provider')),
    provider      text NOT NULL,
    provider_ref  text,
    status        text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    error         text,
    requested_by  uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_order_idx ON refunds (order_id, created_at);
CREATE UNIQUE INDEX refunds_provider_ref_idx ON refunds (provider_ref) WHERE provider_ref IS NOT NULL;
