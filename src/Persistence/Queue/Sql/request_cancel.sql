-- Cancels a job of this tenant. A job that is not running yet is cancelled at once; a running one moves to
-- 'cancelling' and keeps its lease until the worker notices (heartbeat, or the job_cancel notification) and stops.
-- A final job is left alone. Returns the resulting state; no row means no such job for this tenant.
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
            THEN NULL ELSE coalesce(@now, now()) END
    FROM target
    WHERE job.id = target.id
      AND target.state NOT IN ('succeeded', 'failed', 'cancelled')
    RETURNING job.state
)
SELECT coalesce((SELECT state FROM changed), (SELECT state FROM target))::text AS state
WHERE EXISTS (SELECT 1 FROM target);
