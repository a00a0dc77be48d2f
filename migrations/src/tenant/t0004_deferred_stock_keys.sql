-- Foreign keys that point at the rows a sale updates or every buyer shares
-- (ticket_types, whose sold/held counters are the stock, and sessions) are
-- checked at COMMIT instead of at each INSERT.
--
-- Why: an immediate check takes a KEY SHARE lock on the referenced row at
-- INSERT time. An order inserts its rows before it claims stock (the claim
-- comes last so the stock row is locked only until COMMIT), so under load
-- dozens of open transactions share-lock the hot ticket_types row, and every
-- UPDATE of it had to build a multixact of all of them: PostgreSQL spent
-- ~5x the CPU of the sale itself on multixact bookkeeping (bench/RESULTS.md).
-- Checked at COMMIT, the key-share lock is taken by the transaction that
-- already holds the row's update lock, which costs nothing, and for the
-- sessions row only for the instant of the commit.
ALTER TABLE hold_items ALTER CONSTRAINT hold_items_ticket_type_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE order_items ALTER CONSTRAINT order_items_ticket_type_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE tickets ALTER CONSTRAINT tickets_ticket_type_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE holds ALTER CONSTRAINT holds_session_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE orders ALTER CONSTRAINT orders_session_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE tickets ALTER CONSTRAINT tickets_session_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE registrations ALTER CONSTRAINT registrations_session_id_fkey DEFERRABLE INITIALLY DEFERRED;
