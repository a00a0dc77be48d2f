-- A coupon may carry a rule script (kind 'coupon'): its active version
-- decides, per line, whether the coupon applies and how much it takes off.
ALTER TABLE coupons ADD COLUMN script_id uuid REFERENCES scripts (id);

-- Members (season-ticket holders, club members): a fact pricing and coupon
-- scripts see as ctx.buyer.is_member. Tenant admins set it per user.
ALTER TABLE users ADD COLUMN is_member boolean NOT NULL DEFAULT false;

-- Scripts see the buyer's paid orders before (ctx.buyer.previous_orders):
-- counted per quote, so from an index of paid orders only.
CREATE INDEX orders_user_paid_idx ON orders (user_id) WHERE status = 'paid';
