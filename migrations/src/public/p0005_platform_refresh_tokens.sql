-- Platform admins' logins rotate refresh tokens as tenant users' do
-- (t0001's refresh_tokens, same shape and rules): only the SHA-256 of a
-- token is kept, and a family is one login, revoked whole on reuse.
CREATE TABLE public.platform_refresh_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES public.platform_users (id),
    family_id    uuid NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX platform_refresh_tokens_family_idx ON public.platform_refresh_tokens (family_id);
CREATE INDEX platform_refresh_tokens_user_idx ON public.platform_refresh_tokens (user_id);
