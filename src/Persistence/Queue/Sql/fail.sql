-- Ends a failed attempt. A permanent failure, or a transient one that used the last attempt, fails the job; any other
-- transient failure makes it retryable after @retry_delay (computed by RetryPolicy). A job that was being cancelled
-- ends cancelled instead. Every failure is appended to the errors history.
WITH target AS (
    SELECT job.id,
        CASE
            WHEN job.state = 'cancelling' THEN 'cancelled'::job_state
            WHEN @permanent OR job.attempt >= job.max_attempts THEN 'failed'::job_state
            ELSE 'retryable'::job_state
        END AS next_state
    FROM job
    WHERE job.id = @job_id
      AND job.lease_owner = @worker_id
      AND job.attempt = @attempt
      AND job.state IN ('running', 'cancelling')
    FOR UPDATE
)
UPDATE job
SET state = target.next_state,
    scheduled_at = CASE WHEN target.next_state = 'retryable'
        THEN coalesce(@now, now()) + @retry_delay ELSE job.scheduled_at END,
    finalized_at = CASE WHEN target.next_state = 'retryable' THEN NULL ELSE coalesce(@now, now()) END,
    lease_expires_at = NULL,
    error = @error,
    errors = job.errors || jsonb_build_array(jsonb_build_object(
        'attempt', job.attempt, 'at', coalesce(@now, now()), 'error', @error, 'permanent', @permanent))
FROM target
WHERE job.id = target.id
RETURNING job.state::text;
