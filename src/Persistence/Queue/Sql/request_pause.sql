-- Pauses a job of this tenant. A job waiting for an attempt (queued, or retryable after a failure) is paused at once,
-- and in the same statement its `status` event {status: "paused"} is appended; its Hangfire job is returned for the
-- caller to delete. A running one gets pause_requested_at and keeps its lease until its worker notices (heartbeat, or
-- the job_cancel notification), stops at its next step after storing a checkpoint, and writes 'paused' itself
-- (paused.sql). Any other state is left alone. Returns the resulting state, whether a pause is now requested or done
-- (false: the state does not allow one), and the Hangfire job to delete; no row means no such job for this tenant.
WITH target AS (
    SELECT id, state
    FROM job
    WHERE id = @job_id AND tenant_id = @tenant_id
    FOR UPDATE
), changed AS (
    UPDATE job
    SET state = CASE WHEN target.state = 'running' THEN job.state ELSE 'paused'::job_state END,
        pause_requested_at = CASE WHEN target.state = 'running'
            THEN coalesce(job.pause_requested_at, coalesce(@now, now())) END,
        event_seq = CASE WHEN target.state = 'running' THEN job.event_seq ELSE job.event_seq + 1 END
    FROM target
    WHERE job.id = target.id
      AND target.state IN ('queued', 'retryable', 'running')
    RETURNING job.id, job.state, job.event_seq, job.attempt, job.hangfire_job_id
), paused_event AS (
    INSERT INTO job_event (job_id, seq, type, payload, attempt, created_at)
    SELECT changed.id, changed.event_seq, 'status', jsonb_build_object('status', 'paused', 'step', NULL),
        changed.attempt, coalesce(@now, now())
    FROM changed
    WHERE changed.state = 'paused'
)
SELECT coalesce((SELECT state FROM changed), (SELECT state FROM target))::text AS state,
    EXISTS (SELECT 1 FROM changed) AS accepted,
    (SELECT hangfire_job_id FROM changed WHERE changed.state = 'paused') AS hangfire_job_id
WHERE EXISTS (SELECT 1 FROM target);
