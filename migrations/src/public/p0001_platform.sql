-- Shared by every tenant: the tenant registry, platform users and the
-- platform audit chain. Tenant data never lives here.

-- Exclusion constraints over (event, venue, time range) in tenant schemas.
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

CREATE TABLE public.tenants (
    id          uuid PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$'),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    -- Keyed settings (hold minutes, resale cap …); validated by the service.
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.platform_users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL,
    password_hash  text NOT NULL,
    display_name   text NOT NULL DEFAULT '',
    active         boolean NOT NULL DEFAULT true,
    last_login_at  timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX platform_users_email_key ON public.platform_users (lower(email));

-- Hash-chained: hash = sha256(prev_hash || canonical row). Rows are only
-- ever appended; `taquilla audit verify` recomputes the chain.
CREATE TABLE public.platform_audit (
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
