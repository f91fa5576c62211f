-- Cancels a job of this tenant. A job that is not running yet is cancelled at once, and in the same statement its
-- final `status` event {status: "cancelled"} is appended, so subscribers waiting on the event log stop waiting; its
-- Hangfire job is returned for the caller to delete. A running one moves to 'cancelling' and keeps its lease until the
-- worker notices (heartbeat, or the job_cancel notification), stops, and appends the final event itself. A final job
-- is left alone. Returns the resulting state; no row means no such job for this tenant.
WITH target AS (
    SELECT id, state
    FROM job
    WHERE id = @job_id AND tenant_id = @tenant_id
    FOR UPDATE
), changed AS (
    UPDATE job
    SET state = CASE WHEN target.state IN ('running', 'cancelling')
            THEN 'cancelling'::job_state ELSE 'cancelled'::job_state END,
        cancel_requested_at = coalesce(job.cancel_requested_at, coalesce(@now, now())),
        finalized_at = CASE WHEN target.state IN ('running', 'cancelling')
            THEN NULL ELSE coalesce(@now, now()) END,
        event_seq = CASE WHEN target.state IN ('running', 'cancelling')
            THEN job.event_seq ELSE job.event_seq + 1 END
    FROM target
    WHERE job.id = target.id
      AND target.state NOT IN ('succeeded', 'failed', 'cancelled')
    RETURNING job.id, job.state, job.event_seq, job.attempt, job.hangfire_job_id
), final_event AS (
    INSERT INTO job_event (job_id, seq, type, payload, attempt, created_at)
    SELECT changed.id, changed.event_seq, 'status', jsonb_build_object('status', 'cancelled', 'step', NULL),
        changed.attempt, coalesce(@now, now())
    FROM changed
    WHERE changed.state = 'cancelled'
)
SELECT coalesce((SELECT state FROM changed), (SELECT state FROM target))::text AS state,
    (SELECT hangfire_job_id FROM changed WHERE changed.state = 'cancelled') AS hangfire_job_id
WHERE EXISTS (SELECT 1 FROM target);
