-- Outbox consumers (the notification planner, the webhook fan-out) keep a
-- position each instead of stamping every event they read. A stamp was an
-- UPDATE per event and consumer: a new row version with an entry in every
-- index, which cost about as much PostgreSQL work in the background as the
-- sale or scan that wrote the event.
--
-- A position is (tx_id, seq): tx_id is the writing transaction's id. A
-- consumer reads only events whose transaction ended before its snapshot
-- began (tx_id < pg_snapshot_xmin of that snapshot). No event can appear
-- later behind such a position, so an event whose transaction took a low
-- seq and committed late is read in its turn; a position on seq alone would
-- skip it.
--
-- Existing events keep tx_id 0 (a constant default adds the column without
-- rewriting the table); new ones get their transaction's id.
ALTER TABLE outbox ADD COLUMN tx_id xid8 NOT NULL DEFAULT '0';
ALTER TABLE outbox ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id();
CREATE INDEX outbox_position_idx ON outbox (tx_id, seq);

CREATE TABLE outbox_positions (
    consumer  text PRIMARY KEY CHECK (consumer IN ('notifications', 'webhooks')),
    -- The last event read: the next read starts after (tx_id, seq).
    tx_id     xid8 NOT NULL,
    seq       bigint NOT NULL
);

-- Each consumer starts after the last event it had stamped with no
-- unstamped one before it. Stamped events after that position are read once
-- more; both consumers skip an event they already handled (unique keys).
INSERT INTO outbox_positions (consumer, tx_id, seq)
SELECT 'notifications', '0'::xid8,
       coalesce(min(seq) FILTER (WHERE notified_at IS NULL) - 1, max(seq), 0) FROM outbox
UNION ALL
SELECT 'webhooks', '0'::xid8,
       coalesce(min(seq) FILTER (WHERE webhooks_at IS NULL) - 1, max(seq), 0) FROM outbox;

-- processed_at never had a reader.
ALTER TABLE outbox DROP COLUMN processed_at, DROP COLUMN notified_at, DROP COLUMN webhooks_at;
