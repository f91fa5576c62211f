-- Renews a lease. Fenced: only the worker holding this attempt renews it. An expired lease that has not been rescued
-- yet is still held, so renewing it is fine; once rescued, no row matches and the worker learns it lost the job.
-- The returned state tells the worker whether a cancel was requested, or ('pausing', not a stored state) a pause.
-- Also marks the worker itself alive.
WITH renewed AS (
    UPDATE job
    SET lease_expires_at = coalesce(@now, now()) + @lease_duration,
        progress = coalesce(@progress, job.progress)
    WHERE job.id = @job_id
      AND job.lease_owner = @worker_id
      AND job.attempt = @attempt
      AND job.state IN ('running', 'cancelling')
    RETURNING job.state, job.pause_requested_at
), seen AS (
    UPDATE worker
    SET heartbeat_at = coalesce(@now, now())
    WHERE id = @worker_id
)
SELECT CASE WHEN state = 'running' AND pause_requested_at IS NOT NULL THEN 'pausing' ELSE state::text END
FROM renewed;
