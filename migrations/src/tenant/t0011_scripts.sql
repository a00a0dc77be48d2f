-- Tenant scripts (Rhai): every save is a new version; the active one is a
-- pointer, so a rollback is activating an older version. At most one active
-- pricing script per event, and one tenant-wide default (event_id NULL).
CREATE TABLE scripts (
    id             uuid PRIMARY KEY,
    name           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('pricing', 'coupon')),
    event_id       uuid REFERENCES events (id),
    active_version integer,
    created_by     uuid NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX scripts_one_active_pricing_idx
    ON scripts (coalesce(event_id, '00000000-0000-0000-0000-000000000000'::uuid))
    WHERE kind = 'pricing' AND active_version IS NOT NULL;

CREATE TABLE script_versions (
    script_id  uuid NOT NULL REFERENCES scripts (id),
    version    integer NOT NULL CHECK (version > 0),
    source     text NOT NULL,
    test_cases jsonb NOT NULL DEFAULT '[]',
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (script_id, version)
);

-- Which script versions priced an order (auditable): [{script_id, version}].
ALTER TABLE orders ADD COLUMN pricing_scripts jsonb;
