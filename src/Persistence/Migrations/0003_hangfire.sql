-- Hangfire delivers jobs to workers (docs/queue.md). Its own tables live in the schema `hangfire` of this database,
-- created by Hangfire.PostgreSql when a host starts; the `job` table stays the domain record and the fencing point.

-- The Hangfire job that delivers this domain job; null until the dispatcher has handed the job to Hangfire. A queued
-- job with no Hangfire job is the outbox: the dispatcher enqueues it (right after submit, and in a sweep at start and
-- every few seconds, which also enqueues jobs queued before this migration).
ALTER TABLE job ADD COLUMN hangfire_job_id text;

CREATE INDEX job_undispatched_idx ON job (priority, created_at)
    WHERE hangfire_job_id IS NULL AND state IN ('queued', 'retryable');

-- Workers no longer poll the job table, so the job_available wake-up is gone; job_cancel still tells a running
-- worker at once that its job is being cancelled.
DROP INDEX job_fetch_idx;
DROP TRIGGER job_notify_trigger ON job;

CREATE OR REPLACE FUNCTION job_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('job_cancel', NEW.id::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER job_notify_trigger
    AFTER UPDATE OF state ON job
    FOR EACH ROW
    WHEN (NEW.state = 'cancelling')
    EXECUTE FUNCTION job_notify();

-- Operator keys: an admin key opens the Hangfire dashboard (/hangfire), which shows every tenant's jobs; a tenant key
-- never does. Stored like tenant keys (hashed), belonging to an operators' tenant.
ALTER TABLE api_key ADD COLUMN is_admin boolean NOT NULL DEFAULT false;
