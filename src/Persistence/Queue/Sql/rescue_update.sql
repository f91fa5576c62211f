-- Rescues the selected jobs: a cancelling job ends cancelled, a job with attempts left becomes retryable at its
-- backoff (@retry_delays, from RetryPolicy), a job without attempts left fails. The WHERE re-checks everything the
-- select saw, so a heartbeat that renewed the lease in between wins. lease_owner is cleared: the dead worker's
-- fencing token no longer matches, and fence_check.sql will not mistake the rescue for the worker's own write.
UPDATE job
SET state = CASE
        WHEN job.state = 'cancelling' THEN 'cancelled'::job_state
        WHEN job.attempt >= job.max_attempts THEN 'failed'::job_state
        ELSE 'retryable'::job_state
    END,
    scheduled_at = CASE WHEN job.state = 'running' AND job.attempt < job.max_attempts
        THEN coalesce(@now, now()) + r.retry_delay ELSE job.scheduled_at END,
    finalized_at = CASE WHEN job.state = 'running' AND job.attempt < job.max_attempts
        THEN NULL ELSE coalesce(@now, now()) END,
    lease_owner = NULL,
    lease_expires_at = NULL,
    error = CASE WHEN job.state = 'cancelling' THEN job.error
        ELSE 'lease expired: worker ' || job.lease_owner || ' stopped heartbeating' END,
    errors = CASE WHEN job.state = 'cancelling' THEN job.errors
        ELSE job.errors || jsonb_build_array(jsonb_build_object(
            'attempt', job.attempt, 'at', coalesce(@now, now()),
            'error', 'lease expired: worker ' || job.lease_owner || ' stopped heartbeating', 'permanent', false)) END
FROM unnest(@ids::uuid[], @attempts::integer[], @retry_delays::interval[]) AS r (id, attempt, retry_delay)
WHERE job.id = r.id
  AND job.attempt = r.attempt
  AND job.state IN ('running', 'cancelling')
  AND job.lease_expires_at < coalesce(@now, now())
RETURNING job.id, job.state::text;
