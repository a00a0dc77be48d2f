-- Bulk imports of events (POST /api/v1/bulk/events): one row per import that
-- wrote something, with the per-item result it answered. A repeated request
-- with the same Idempotency-Key (unique per user, like orders') answers with
-- that result instead of importing again; request_hash tells a repeat from
-- another batch sent with a reused key.

CREATE TABLE bulk_imports (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id),
    idempotency_key  text,
    request_hash     text NOT NULL,
    mode             text NOT NULL CHECK (mode IN ('atomic', 'partial')),
    items            integer NOT NULL CHECK (items > 0),
    created          integer NOT NULL CHECK (created >= 0),
    result           jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX bulk_imports_key_idx ON bulk_imports (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
