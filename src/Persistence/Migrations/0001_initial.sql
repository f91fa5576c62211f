-- 0001: the whole first schema. Forward-only: once released, change it with a new numbered file, never by editing
-- this one. Names are singular snake_case and every constraint is named, so errors name the rule that was broken.

CREATE TYPE job_state AS ENUM (
    'validating_files', -- waiting for its dataset to pass validation; not claimable
    'queued',           -- claimable once scheduled_at has passed
    'running',          -- leased to one worker
    'retryable',        -- failed transiently or was rescued; claimable again at scheduled_at (API shows "queued")
    'cancelling',       -- cancel requested while running; the worker sees it on its next heartbeat
    'succeeded',
    'failed',
    'cancelled'
);

CREATE TABLE tenant (
    id uuid NOT NULL,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenant_pkey PRIMARY KEY (id),
    CONSTRAINT tenant_name_unique UNIQUE (name),
    CONSTRAINT tenant_name_length CHECK (char_length(name) BETWEEN 1 AND 200)
);

-- Only a SHA-256 of the key is stored: a leaked table does not leak usable keys. The token is 32 random bytes, so a
-- plain (unsalted) hash is enough; there is nothing to brute-force.
CREATE TABLE api_key (
    id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    key_hash bytea NOT NULL,
    key_prefix text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    CONSTRAINT api_key_pkey PRIMARY KEY (id),
    CONSTRAINT api_key_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE,
    CONSTRAINT api_key_hash_unique UNIQUE (key_hash),
    CONSTRAINT api_key_hash_is_sha256 CHECK (octet_length(key_hash) = 32)
);

CREATE INDEX api_key_tenant_idx ON api_key (tenant_id);

-- A dataset row is inserted last, after its chunks (the chunk foreign key is deferred), so a visible dataset always
-- has its final size and hash.
CREATE TABLE dataset (
    id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    file_name text NOT NULL,
    purpose text NOT NULL DEFAULT 'fine-tune',
    format text,
    record_count bigint,
    size_bytes bigint NOT NULL,
    sha256 bytea NOT NULL,
    chunk_size_bytes integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dataset_pkey PRIMARY KEY (id),
    CONSTRAINT dataset_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE,
    CONSTRAINT dataset_size_nonnegative CHECK (size_bytes >= 0),
    CONSTRAINT dataset_sha256_length CHECK (octet_length(sha256) = 32),
    CONSTRAINT dataset_chunk_size_positive CHECK (chunk_size_bytes > 0)
);

CREATE INDEX dataset_tenant_created_idx ON dataset (tenant_id, created_at DESC);

CREATE TABLE dataset_chunk (
    dataset_id uuid NOT NULL,
    seq integer NOT NULL,
    data bytea NOT NULL,
    CONSTRAINT dataset_chunk_pkey PRIMARY KEY (dataset_id, seq),
    CONSTRAINT dataset_chunk_dataset_fkey FOREIGN KEY (dataset_id) REFERENCES dataset (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT dataset_chunk_seq_nonnegative CHECK (seq >= 0)
);

CREATE TABLE job (
    id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    kind text NOT NULL,
    spec jsonb NOT NULL,
    backend text NOT NULL,
    required_memory_bytes bigint NOT NULL DEFAULT 0,
    dataset_id uuid,
    state job_state NOT NULL DEFAULT 'queued',
    priority smallint NOT NULL DEFAULT 2,
    attempt integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL,
    scheduled_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    attempted_at timestamptz,
    finalized_at timestamptz,
    -- The worker that ran the latest attempt; kept after the lease ends so a replayed final write can be recognised.
    lease_owner text,
    lease_expires_at timestamptz,
    cancel_requested_at timestamptz,
    progress jsonb,
    result jsonb,
    error text,
    -- One entry per failed attempt: {"attempt", "at", "error", "permanent"}.
    errors jsonb NOT NULL DEFAULT '[]',
    -- The last job_event.seq handed out; appends bump it, so seq is gapless per job without a table lock.
    event_seq bigint NOT NULL DEFAULT 0,
    CONSTRAINT job_pkey PRIMARY KEY (id),
    CONSTRAINT job_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE,
    CONSTRAINT job_dataset_fkey FOREIGN KEY (dataset_id) REFERENCES dataset (id) ON DELETE RESTRICT,
    CONSTRAINT job_kind_length CHECK (char_length(kind) BETWEEN 1 AND 128),
    CONSTRAINT job_priority_in_range CHECK (priority BETWEEN 1 AND 4),
    CONSTRAINT job_max_attempts_positive CHECK (max_attempts >= 1),
    CONSTRAINT job_attempt_in_range CHECK (attempt >= 0 AND attempt <= max_attempts),
    CONSTRAINT job_memory_nonnegative CHECK (required_memory_bytes >= 0),
    CONSTRAINT job_finalized_iff_final_state CHECK (
        (state IN ('succeeded', 'failed', 'cancelled')) = (finalized_at IS NOT NULL)),
    CONSTRAINT job_leased_iff_active CHECK (
        (state IN ('running', 'cancelling')) = (lease_expires_at IS NOT NULL)),
    CONSTRAINT job_active_has_owner CHECK (
        state NOT IN ('running', 'cancelling') OR lease_owner IS NOT NULL),
    CONSTRAINT job_cancelling_was_requested CHECK (
        state <> 'cancelling' OR cancel_requested_at IS NOT NULL),
    CONSTRAINT job_event_seq_nonnegative CHECK (event_seq >= 0)
);

-- The fetch reads this index in claim order; only claimable rows are in it, so it stays small.
CREATE INDEX job_fetch_idx ON job (priority, scheduled_at, id) WHERE state IN ('queued', 'retryable');
-- The rescuer scans leases by expiry.
CREATE INDEX job_lease_idx ON job (lease_expires_at) WHERE state IN ('running', 'cancelling');
CREATE INDEX job_tenant_created_idx ON job (tenant_id, created_at DESC);

CREATE TABLE job_event (
    job_id uuid NOT NULL,
    seq bigint NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    attempt integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT job_event_pkey PRIMARY KEY (job_id, seq),
    CONSTRAINT job_event_job_fkey FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    CONSTRAINT job_event_seq_positive CHECK (seq >= 1),
    CONSTRAINT job_event_type_length CHECK (char_length(type) BETWEEN 1 AND 128)
);

-- Artifacts are a job's files: outputs (adapter, logs) and checkpoint blobs. Like datasets, the row is inserted after
-- its chunks, and only by the worker that holds the job's lease.
CREATE TABLE artifact (
    id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    job_id uuid NOT NULL,
    name text NOT NULL,
    kind text NOT NULL DEFAULT 'output',
    content_type text NOT NULL DEFAULT 'application/octet-stream',
    size_bytes bigint NOT NULL,
    sha256 bytea NOT NULL,
    chunk_size_bytes integer NOT NULL,
    attempt integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT artifact_pkey PRIMARY KEY (id),
    CONSTRAINT artifact_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE,
    CONSTRAINT artifact_job_fkey FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    CONSTRAINT artifact_job_name_unique UNIQUE (job_id, name),
    CONSTRAINT artifact_kind_known CHECK (kind IN ('output', 'checkpoint')),
    CONSTRAINT artifact_size_nonnegative CHECK (size_bytes >= 0),
    CONSTRAINT artifact_sha256_length CHECK (octet_length(sha256) = 32),
    CONSTRAINT artifact_chunk_size_positive CHECK (chunk_size_bytes > 0)
);

CREATE TABLE artifact_chunk (
    artifact_id uuid NOT NULL,
    seq integer NOT NULL,
    data bytea NOT NULL,
    CONSTRAINT artifact_chunk_pkey PRIMARY KEY (artifact_id, seq),
    CONSTRAINT artifact_chunk_artifact_fkey FOREIGN KEY (artifact_id) REFERENCES artifact (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT artifact_chunk_seq_nonnegative CHECK (seq >= 0)
);

-- A checkpoint is a training step the job can resume from; its bytes are an artifact of kind 'checkpoint'.
CREATE TABLE checkpoint (
    id uuid NOT NULL,
    job_id uuid NOT NULL,
    step bigint NOT NULL,
    attempt integer NOT NULL,
    artifact_id uuid,
    state jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT checkpoint_pkey PRIMARY KEY (id),
    CONSTRAINT checkpoint_job_fkey FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    CONSTRAINT checkpoint_artifact_fkey FOREIGN KEY (artifact_id) REFERENCES artifact (id) ON DELETE SET NULL,
    CONSTRAINT checkpoint_job_step_unique UNIQUE (job_id, step),
    CONSTRAINT checkpoint_step_nonnegative CHECK (step >= 0)
);

CREATE TABLE worker (
    id text NOT NULL,
    host text NOT NULL,
    backends text[] NOT NULL,
    memory_bytes bigint NOT NULL,
    capabilities jsonb NOT NULL DEFAULT '{}',
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    stopped_at timestamptz,
    CONSTRAINT worker_pkey PRIMARY KEY (id),
    CONSTRAINT worker_memory_nonnegative CHECK (memory_bytes >= 0)
);

-- Wake-up hints. Triggers send them so that no code path (SQL, EF, psql) can make a job claimable or append an event
-- without telling the listeners. NOTIFY is delivered only on commit, and duplicates within one transaction collapse.
-- Listeners must still poll: a notification sent while a listener reconnects is lost.
CREATE FUNCTION job_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state IN ('queued', 'retryable') THEN
        PERFORM pg_notify('job_available', NEW.backend);
    ELSIF NEW.state = 'cancelling' THEN
        PERFORM pg_notify('job_cancel', NEW.id::text);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER job_notify_trigger
    AFTER INSERT OR UPDATE OF state ON job
    FOR EACH ROW
    WHEN (NEW.state IN ('queued', 'retryable', 'cancelling'))
    EXECUTE FUNCTION job_notify();

CREATE FUNCTION job_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('job_events', NEW.job_id::text || ':' || NEW.seq::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER job_event_notify_trigger
    AFTER INSERT ON job_event
    FOR EACH ROW
    EXECUTE FUNCTION job_event_notify();
