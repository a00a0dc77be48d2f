-- Runs with search_path = t_<id>, public. Names no schema on purpose.

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL,
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('tenant_admin', 'organizer', 'staff', 'attendee')),
    display_name   text NOT NULL DEFAULT '',
    phone          text,
    locale         text,
    active         boolean NOT NULL DEFAULT true,
    last_login_at  timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE deleted_at IS NULL;

-- Refresh tokens are opaque random strings; only their SHA-256 is stored.
-- A family is one login; reuse of a rotated token revokes the whole family.
CREATE TABLE refresh_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id),
    family_id    uuid NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE events (
    id           uuid PRIMARY KEY,
    owner_id     uuid NOT NULL REFERENCES users (id),
    title        text NOT NULL,
    description  text NOT NULL DEFAULT '',
    category     text NOT NULL,
    venue        text NOT NULL DEFAULT '',
    image_url    text,
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled')),
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    timezone     text NOT NULL,
    -- 'simple' config: no stemming, so prefix queries match what was typed,
    -- in any language. Title weighs most, then venue, then description.
    search       tsvector GENERATED ALWAYS AS (
                     setweight(to_tsvector('simple', title), 'A') ||
                     setweight(to_tsvector('simple', venue), 'B') ||
                     setweight(to_tsvector('simple', description), 'C')
                 ) STORED,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    CHECK (ends_at > starts_at)
);
CREATE INDEX events_search_idx ON events USING gin (search);
CREATE INDEX events_starts_idx ON events (starts_at, id) WHERE deleted_at IS NULL;
CREATE INDEX events_category_idx ON events (category) WHERE deleted_at IS NULL;

CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    event_id     uuid NOT NULL REFERENCES events (id),
    title        text NOT NULL,
    presenter    text NOT NULL DEFAULT '',
    venue        text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN
                     ('draft', 'teaser', 'presale', 'on_sale', 'in_progress', 'finished', 'cancelled', 'suspended')),
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    capacity     integer NOT NULL CHECK (capacity >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    CHECK (ends_at > starts_at),
    -- The service checks this first for a friendly error; the constraint is
    -- what holds under concurrent writers.
    CONSTRAINT sessions_no_overlap EXCLUDE USING gist (
        event_id WITH =, venue WITH =, tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (deleted_at IS NULL AND status <> 'cancelled')
);
CREATE INDEX sessions_event_idx ON sessions (event_id, starts_at) WHERE deleted_at IS NULL;

CREATE TABLE audit_log (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           uuid NOT NULL UNIQUE,
    tenant_id    uuid,
    actor_id     uuid,
    actor_role   text,
    action       text NOT NULL,
    resource     text NOT NULL,
    request_id   text NOT NULL,
    ip           text,
    status       integer NOT NULL,
    created_at   timestamptz NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);
