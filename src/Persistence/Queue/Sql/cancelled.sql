-- The worker stopped because a cancel was requested (it saw 'cancelling' on a heartbeat). Fenced.
UPDATE job
SET state = 'cancelled',
    finalized_at = coalesce(@now, now()),
    cancel_requested_at = coalesce(job.cancel_requested_at, coalesce(@now, now())),
    lease_expires_at = NULL
WHERE job.id = @job_id
  AND job.lease_owner = @worker_id
  AND job.attempt = @attempt
  AND job.state IN ('running', 'cancelling')
RETURNING job.state::text;
