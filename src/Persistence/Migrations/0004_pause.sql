-- 0004: pausing and resuming jobs (OpenAI's POST /fine_tuning/jobs/{id}/pause and /resume, and the native
-- /v1/jobs/{id}/pause and /resume). docs/queue.md draws the transitions.
--
-- A paused job is neither final nor leased nor claimable: it waits for a resume, which makes it queued again (and hands
-- it to Hangfire anew), and its next attempt continues from its latest checkpoint.
--
-- Postgres lets ALTER TYPE ... ADD VALUE run inside the migrator's one transaction, but not use the new value before
-- that transaction commits, and the migrator may apply this file together with 0001-0003. So nothing below names
-- 'paused': the existing constraints already hold for it (not final, so no finalized_at; not running, so no lease), and
-- the statements that write it run later.
ALTER TYPE job_state ADD VALUE IF NOT EXISTS 'paused' AFTER 'cancelling';

-- A pause of a running job is a request, like a cancel: the job stays 'running' (its worker keeps the lease) until the
-- worker sees the request on a heartbeat, stops at its next step after storing a checkpoint, and writes 'paused'.
-- Not a state of its own ('pausing'), so every fenced statement that matches running jobs keeps matching it.
ALTER TABLE job ADD COLUMN pause_requested_at timestamptz;

ALTER TABLE job ADD CONSTRAINT job_pause_requested_while_running CHECK (
    pause_requested_at IS NULL OR state IN ('running', 'cancelling'));

-- The request ends with the attempt, however it ends (paused, released, completed, failed, cancelled, rescued): one
-- trigger clears it, rather than every statement that moves a job out of 'running' having to remember to. Statements
-- that decide by it (release, rescue) read the old row's value, which the trigger leaves alone.
CREATE FUNCTION job_clear_pause_request() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.pause_requested_at := NULL;
    RETURN NEW;
END;
$$;

CREATE TRIGGER job_clear_pause_request_trigger
    BEFORE UPDATE OF state ON job
    FOR EACH ROW
    WHEN (NEW.state::text NOT IN ('running', 'cancelling') AND NEW.pause_requested_at IS NOT NULL)
    EXECUTE FUNCTION job_clear_pause_request();

-- job_cancel wakes the running worker at once for a pause request as for a cancel (it heartbeats on it and learns
-- which of the two it was).
DROP TRIGGER job_notify_trigger ON job;

CREATE TRIGGER job_notify_trigger
    AFTER UPDATE OF state, pause_requested_at ON job
    FOR EACH ROW
    WHEN (NEW.state = 'cancelling' OR (NEW.pause_requested_at IS NOT NULL AND OLD.pause_requested_at IS NULL))
    EXECUTE FUNCTION job_notify();
