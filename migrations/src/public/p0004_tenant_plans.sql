-- A tenant's plan sets the request rate of its users and API keys
-- (the rates per plan are deployment configuration, not data).
ALTER TABLE tenants
    ADD COLUMN plan text NOT NULL DEFAULT 'standard'
        CHECK (plan IN ('free', 'standard', 'enterprise'));
