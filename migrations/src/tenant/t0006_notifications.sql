-- Notifications: every e-mail and SMS the platform sends for the tenant,
-- made from outbox events (or an organizer's announcement) and sent by the
-- notification worker; and the tenant's own versions of the templates.

CREATE TABLE notifications (
    id               uuid PRIMARY KEY,
    -- The outbox event it comes from, or the announcement's id.
    event_id         uuid NOT NULL,
    outbox_seq       bigint,
    event_type       text NOT NULL,
    channel          text NOT NULL CHECK (channel IN ('email', 'sms')),
    -- An e-mail address or an E.164 phone number.
    recipient        text NOT NULL,
    user_id          uuid REFERENCES users (id),
    template         text NOT NULL,
    subject          text NOT NULL DEFAULT '',
    -- What is sent, rendered when the notification was made (retries send
    -- the same). The QR images of `ticket_ids` are drawn at sending time.
    text_body        text NOT NULL,
    html_body        text,
    ticket_ids       uuid[] NOT NULL DEFAULT '{}',
    order_id         uuid,
    session_id       uuid,
    registration_id  uuid,
    status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    -- The SMTP server's answer, the file written, or the SMS provider's id.
    provider_ref     text,
    -- When it is next due; while an attempt is in flight, the end of its lease.
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- One message per event, recipient, channel and template, however often
    -- the event is looked at.
    UNIQUE (event_id, channel, recipient, template)
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status = 'queued';
CREATE INDEX notifications_created_idx ON notifications (created_at DESC, id DESC);
CREATE INDEX notifications_recipient_idx ON notifications (recipient, created_at DESC);

-- A tenant's replacement for parts of a built-in template; NULL parts fall
-- back to the built-in one.
CREATE TABLE notification_templates (
    template    text PRIMARY KEY,
    subject     text,
    text_body   text,
    html_body   text,
    sms_body    text,
    updated_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The notification worker's own mark on each event (other consumers keep theirs).
ALTER TABLE outbox ADD COLUMN notified_at timestamptz;
CREATE INDEX outbox_notify_pending_idx ON outbox (seq) WHERE notified_at IS NULL;
-- Events from before notifications existed are not mailed now.
UPDATE outbox SET notified_at = now();
