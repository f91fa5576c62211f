-- Starts an attempt on the job Hangfire delivered, fenced by (lease_owner, attempt): only a job waiting for an attempt
-- (queued, or retryable after a failure) can be claimed, and the row lock makes concurrent deliveries of the same job
-- (Hangfire is at least once) serialize: the first starts attempt n+1, the others match nothing. Hangfire decides when
-- a job runs (enqueue, retry delay), so scheduled_at is not checked here.
UPDATE job
SET state = 'running',
    attempt = job.attempt + 1,
    attempted_at = coalesce(@now, now()),
    lease_owner = @worker_id,
    lease_expires_at = coalesce(@now, now()) + @lease_duration
WHERE job.id = @job_id
  AND job.state IN ('queued', 'retryable')
RETURNING job.*;
