-- A promo code in a flash sale is one row that every order names. The
-- foreign keys to it (orders.coupon_id, coupon_redemptions.coupon_id) made
-- each order take a key-share lock on that row, and with dozens of orders
-- in flight PostgreSQL turns those shared locks into ever-growing
-- multixacts on one tuple: a second hot row beside the stock.
--
-- Coupons are never deleted (deleted_at marks them), and the ids written
-- come from a coupon just read in the same transaction, so the keys guarded
-- nothing the code does not. What the lock still did — make an edit that
-- adds a limit wait for redemptions in flight — is now the edit's own
-- table lock on coupon_redemptions (services/coupons.rs, update_coupon).
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_coupon_id_fkey;
ALTER TABLE coupon_redemptions DROP CONSTRAINT IF EXISTS coupon_redemptions_coupon_id_fkey;
