-- Coupons. A code is unique per tenant whatever its case (code_key is its
-- lower-case form). `uses` and `discount_given_minor` are counted in the
-- order's own transaction under this row's lock, so a limit holds exactly
-- under concurrency; a cancelled or expired order gives its use back.
CREATE TABLE coupons (
    id                   uuid PRIMARY KEY,
    code                 text NOT NULL,
    code_key             text NOT NULL,
    description          text,
    kind                 text NOT NULL CHECK (kind IN ('percent', 'fixed')),
    -- percent: 1..100; fixed: minor units of `currency`
    value                bigint NOT NULL CHECK (value > 0),
    currency             text,
    valid_from           timestamptz,
    valid_until          timestamptz,
    max_uses             integer CHECK (max_uses > 0),
    max_uses_per_user    integer CHECK (max_uses_per_user > 0),
    min_quantity         integer NOT NULL DEFAULT 1 CHECK (min_quantity > 0),
    event_ids            uuid[] NOT NULL DEFAULT '{}',
    session_ids          uuid[] NOT NULL DEFAULT '{}',
    ticket_type_ids      uuid[] NOT NULL DEFAULT '{}',
    active               boolean NOT NULL DEFAULT true,
    uses                 integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
    discount_given_minor bigint NOT NULL DEFAULT 0,
    created_by           uuid NOT NULL REFERENCES users (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz,
    CHECK (kind <> 'percent' OR value <= 100),
    CHECK (kind <> 'fixed' OR currency IS NOT NULL)
);
CREATE UNIQUE INDEX coupons_code_key_idx ON coupons (code_key) WHERE deleted_at IS NULL;

CREATE TABLE coupon_redemptions (
    order_id       uuid PRIMARY KEY REFERENCES orders (id),
    coupon_id      uuid NOT NULL REFERENCES coupons (id),
    user_id        uuid NOT NULL,
    discount_minor bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coupon_redemptions_user_idx ON coupon_redemptions (coupon_id, user_id);

-- What an order was charged and why: the discount, and per line the base
-- and charged unit price (order_items.unit_price_minor is the charged one).
ALTER TABLE orders
    ADD COLUMN discount_minor bigint NOT NULL DEFAULT 0,
    ADD COLUMN coupon_id uuid REFERENCES coupons (id);
ALTER TABLE order_items ADD COLUMN base_price_minor bigint;
UPDATE order_items SET base_price_minor = unit_price_minor;
