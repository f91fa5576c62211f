-- Finishes an attempt successfully. Fenced like every worker write. lease_owner is kept, so a retried call after a
-- lost acknowledgement can tell that this worker's own write already landed (see fence_check.sql).
UPDATE job
SET state = 'succeeded',
    finalized_at = coalesce(@now, now()),
    lease_expires_at = NULL,
    result = @result,
    progress = coalesce(@progress, job.progress),
    error = NULL
WHERE job.id = @job_id
  AND job.lease_owner = @worker_id
  AND job.attempt = @attempt
  AND job.state IN ('running', 'cancelling')
RETURNING job.state::text;
