-- A worker shutting down gives its job back after checkpointing. The job is claimable at once, and max_attempts grows
-- by one so the interrupted attempt is not charged (attempt itself never decreases: it is the fencing token).
-- A job being cancelled ends cancelled instead, and one whose pause was requested ends paused (the request is not
-- lost: the worker may have decided to stop for its shutdown before it saw the request).
UPDATE job
SET state = CASE WHEN job.state = 'cancelling' THEN 'cancelled'::job_state
        WHEN job.pause_requested_at IS NOT NULL THEN 'paused'::job_state ELSE 'retryable'::job_state END,
    finalized_at = CASE WHEN job.state = 'cancelling' THEN coalesce(@now, now()) END,
    scheduled_at = coalesce(@now, now()),
    max_attempts = job.max_attempts + CASE WHEN job.state = 'cancelling' THEN 0 ELSE 1 END,
    lease_expires_at = NULL
WHERE job.id = @job_id
  AND job.lease_owner = @worker_id
  AND job.attempt = @attempt
  AND job.state IN ('running', 'cancelling')
RETURNING job.state::text;
