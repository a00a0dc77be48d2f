-- API keys for partner integrations. Only a hash of each key is kept; the
-- prefix finds the row without revealing the key.
CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    -- The first characters of the key after `tk_live_`: the lookup handle.
    prefix        text NOT NULL UNIQUE,
    -- SHA-256 of the whole key (keys are 256 random bits: no salt or slow
    -- hash needed, and each request can afford the check).
    key_hash      bytea NOT NULL,
    -- JSON array of scopes, e.g. ["events:read", "checkin"].
    scopes        jsonb NOT NULL,
    expires_at    timestamptz,
    last_used_at  timestamptz,
    -- The key acts as this tenant admin, within its scopes.
    created_by    uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
