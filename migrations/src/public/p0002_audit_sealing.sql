-- See t0003_audit_sealing: the platform chain is sealed the same way.
ALTER TABLE public.platform_audit
    ALTER COLUMN prev_hash DROP NOT NULL,
    ALTER COLUMN hash DROP NOT NULL,
    ADD COLUMN chain_seq bigint UNIQUE;
UPDATE public.platform_audit SET chain_seq = seq WHERE chain_seq IS NULL;
CREATE INDEX platform_audit_unsealed_idx ON public.platform_audit (seq) WHERE chain_seq IS NULL;
