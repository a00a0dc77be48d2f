-- Ticketing: sections (ticket types), seats, holds, orders, tickets,
-- registrations, resale, the outbox and the tenant's signing key.
-- Stock lives in counters on ticket_types guarded by a CHECK, so no
-- interleaving of writers can push sold + held past capacity: the database
-- refuses, whatever the application does.

CREATE TABLE ticket_types (
    id               uuid PRIMARY KEY,
    session_id       uuid NOT NULL REFERENCES sessions (id),
    name             text NOT NULL,
    price_minor      bigint NOT NULL CHECK (price_minor >= 0),
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    capacity         integer NOT NULL CHECK (capacity >= 0),
    sold             integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
    held             integer NOT NULL DEFAULT 0 CHECK (held >= 0),
    sales_opens_at   timestamptz,
    sales_closes_at  timestamptz,
    min_per_order    integer NOT NULL DEFAULT 1 CHECK (min_per_order >= 1),
    max_per_order    integer NOT NULL DEFAULT 10 CHECK (max_per_order >= min_per_order),
    seated           boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    CONSTRAINT ticket_types_no_oversell CHECK (sold + held <= capacity)
);
CREATE INDEX ticket_types_session_idx ON ticket_types (session_id) WHERE deleted_at IS NULL;

CREATE TABLE holds (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    session_id  uuid NOT NULL REFERENCES sessions (id),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'released', 'expired', 'converted')),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX holds_active_expiry_idx ON holds (expires_at) WHERE status = 'active';

CREATE TABLE seats (
    id              uuid PRIMARY KEY,
    ticket_type_id  uuid NOT NULL REFERENCES ticket_types (id),
    session_id      uuid NOT NULL REFERENCES sessions (id),
    row_label       text NOT NULL,
    number          integer NOT NULL,
    label           text NOT NULL,
    x               double precision NOT NULL DEFAULT 0,
    y               double precision NOT NULL DEFAULT 0,
    status          text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'sold')),
    hold_id         uuid REFERENCES holds (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (ticket_type_id, row_label, number),
    CHECK ((status = 'held') = (hold_id IS NOT NULL))
);
CREATE INDEX seats_session_idx ON seats (session_id);

CREATE TABLE hold_items (
    hold_id         uuid NOT NULL REFERENCES holds (id),
    ticket_type_id  uuid NOT NULL REFERENCES ticket_types (id),
    quantity        integer NOT NULL CHECK (quantity > 0),
    seat_id         uuid REFERENCES seats (id)
);
CREATE INDEX hold_items_hold_idx ON hold_items (hold_id);

CREATE TABLE orders (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id),
    session_id        uuid NOT NULL REFERENCES sessions (id),
    status            text NOT NULL CHECK (status IN ('pending', 'paid', 'expired', 'cancelled', 'refunded')),
    total_minor       bigint NOT NULL CHECK (total_minor >= 0),
    currency          text NOT NULL,
    provider          text NOT NULL CHECK (provider IN ('free', 'manual', 'stripe')),
    payment_ref       text,
    hold_id           uuid REFERENCES holds (id),
    idempotency_key   text,
    request_hash      text,
    expires_at        timestamptz,
    paid_at           timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_pending_expiry_idx ON orders (expires_at) WHERE status = 'pending';
CREATE INDEX orders_user_idx ON orders (user_id, created_at);

CREATE TABLE order_items (
    order_id          uuid NOT NULL REFERENCES orders (id),
    ticket_type_id    uuid NOT NULL REFERENCES ticket_types (id),
    seat_id           uuid REFERENCES seats (id),
    quantity          integer NOT NULL CHECK (quantity > 0),
    unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0)
);
CREATE INDEX order_items_order_idx ON order_items (order_id);

CREATE TABLE tickets (
    id                 uuid PRIMARY KEY,
    order_id           uuid REFERENCES orders (id),
    ticket_type_id     uuid NOT NULL REFERENCES ticket_types (id),
    session_id         uuid NOT NULL REFERENCES sessions (id),
    seat_id            uuid REFERENCES seats (id),
    owner_id           uuid NOT NULL REFERENCES users (id),
    -- Bumped whenever the ticket's QR must stop working.
    version            integer NOT NULL DEFAULT 1,
    status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'used', 'void')),
    replaces_ticket_id uuid REFERENCES tickets (id),
    checked_in_at      timestamptz,
    checked_in_by      uuid,
    gate               text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_owner_idx ON tickets (owner_id, created_at);
CREATE INDEX tickets_session_idx ON tickets (session_id, status);
CREATE INDEX tickets_order_idx ON tickets (order_id);
-- A seat is sold at most once among live tickets.
CREATE UNIQUE INDEX tickets_one_live_per_seat ON tickets (seat_id) WHERE seat_id IS NOT NULL AND status <> 'void';

CREATE TABLE registrations (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES sessions (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    status      text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX registrations_one_live ON registrations (session_id, user_id) WHERE status <> 'cancelled';
CREATE INDEX registrations_waitlist_idx ON registrations (session_id, created_at) WHERE status = 'waitlisted';

CREATE TABLE resale_listings (
    id           uuid PRIMARY KEY,
    ticket_id    uuid NOT NULL REFERENCES tickets (id),
    seller_id    uuid NOT NULL REFERENCES users (id),
    session_id   uuid NOT NULL REFERENCES sessions (id),
    price_minor  bigint NOT NULL CHECK (price_minor >= 0),
    currency     text NOT NULL,
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'sold', 'cancelled')),
    buyer_id     uuid REFERENCES users (id),
    new_ticket_id uuid REFERENCES tickets (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    sold_at      timestamptz
);
CREATE UNIQUE INDEX resale_one_active_per_ticket ON resale_listings (ticket_id) WHERE status = 'active';
CREATE INDEX resale_active_idx ON resale_listings (session_id, created_at) WHERE status = 'active';

-- Domain events, written in the same transaction as the change they
-- describe; webhook and notification workers consume them in seq order.
CREATE TABLE outbox (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            uuid NOT NULL UNIQUE,
    event_type    text NOT NULL,
    aggregate_id  uuid NOT NULL,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz
);
CREATE INDEX outbox_unprocessed_idx ON outbox (seq) WHERE processed_at IS NULL;

-- The tenant's Ed25519 key for QR tickets. One active key at a time.
CREATE TABLE signing_keys (
    id          uuid PRIMARY KEY,
    public_key  bytea NOT NULL,
    secret_key  bytea NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (active) WHERE active;
