-- Outgoing webhooks (Standard Webhooks). Endpoints a tenant registers,
-- one message per outbox event and subscribed endpoint, and every attempt
-- to deliver one.

CREATE TABLE webhook_endpoints (
    id                          uuid PRIMARY KEY,
    url                         text NOT NULL,
    description                 text NOT NULL DEFAULT '',
    -- A JSON array of event types; NULL: every event type.
    event_types                 jsonb,
    enabled                     boolean NOT NULL DEFAULT true,
    -- Why the platform turned it off (NULL when the tenant did, or it is on).
    disabled_reason             text,
    -- whsec_… Needed in clear to sign; the API never shows it after creation.
    secret                      text NOT NULL,
    -- The secret before the last rotation, still signed with until it expires.
    previous_secret             text,
    previous_secret_expires_at  timestamptz,
    -- First failure of the current unbroken run of failures.
    failing_since               timestamptz,
    created_by                  uuid NOT NULL REFERENCES users (id),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_messages (
    id               uuid PRIMARY KEY,
    endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The outbox event (or test ping) it carries; webhook-id is derived from it,
    -- so it is stable across retries and replays.
    event_id         uuid NOT NULL,
    outbox_seq       bigint,
    event_type       text NOT NULL,
    -- The exact JSON body sent: {type, timestamp, data}.
    body             jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    -- When it is next due; while an attempt is in flight, the end of its lease.
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status_code integer,
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_messages_due_idx ON webhook_messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_messages_endpoint_idx ON webhook_messages (endpoint_id, created_at DESC);

CREATE TABLE webhook_attempts (
    id             uuid PRIMARY KEY,
    message_id     uuid NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    endpoint_id    uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    attempt        integer NOT NULL,
    url            text NOT NULL,
    status_code    integer,
    response_ms    integer NOT NULL,
    -- The first KiB of the response body.
    response_body  text NOT NULL DEFAULT '',
    error          text,
    succeeded      boolean NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, created_at DESC);
CREATE INDEX webhook_attempts_message_idx ON webhook_attempts (message_id, created_at);

-- The webhook fan-out's own mark on each event (other consumers keep theirs).
ALTER TABLE outbox ADD COLUMN webhooks_at timestamptz;
CREATE INDEX outbox_webhooks_pending_idx ON outbox (seq) WHERE webhooks_at IS NULL;
-- Events from before webhooks existed have no endpoint to go to.
UPDATE outbox SET webhooks_at = now();
