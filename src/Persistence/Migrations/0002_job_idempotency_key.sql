-- 0002: the Idempotency-Key of POST /v1/jobs. A key names at most one job per tenant: a retried request with the same
-- key and body gets that job back instead of a second one. The row is inserted in the job's own transaction, so a key
-- exists exactly when its job does; it goes with the job (cascade) and with the tenant.
CREATE TABLE job_idempotency_key (
    tenant_id uuid NOT NULL,
    idempotency_key text NOT NULL,
    request_sha256 bytea NOT NULL,
    job_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT job_idempotency_key_pkey PRIMARY KEY (tenant_id, idempotency_key),
    CONSTRAINT job_idempotency_key_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE,
    CONSTRAINT job_idempotency_key_job_fkey FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    CONSTRAINT job_idempotency_key_length CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    CONSTRAINT job_idempotency_key_sha256_length CHECK (octet_length(request_sha256) = 32)
);

CREATE INDEX job_idempotency_key_job_idx ON job_idempotency_key (job_id);
