-- Ends the attempt of a delivered job whose worker stopped heartbeating (killed, or cut off from the database past its
-- lease): a cancelling job ends cancelled, a job with attempts left whose pause was requested ends paused (the charged
-- attempt is recorded as for any expired lease; a resume queues it again), another job with attempts left becomes
-- retryable at once (Hangfire already waited out its invisibility timeout before delivering it again), a job without
-- attempts left fails. The WHERE re-checks the attempt and the expiry, so a heartbeat that renewed the lease first
-- wins. lease_owner is cleared: the dead worker's fencing token no longer matches, and fence_check.sql will not
-- mistake this for the worker's own write.
UPDATE job
SET state = CASE
        WHEN job.state = 'cancelling' THEN 'cancelled'::job_state
        WHEN job.pause_requested_at IS NOT NULL AND job.attempt < job.max_attempts THEN 'paused'::job_state
        WHEN job.attempt >= job.max_attempts THEN 'failed'::job_state
        ELSE 'retryable'::job_state
    END,
    scheduled_at = CASE WHEN job.state = 'running' AND job.attempt < job.max_attempts
        THEN coalesce(@now, now()) ELSE job.scheduled_at END,
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
WHERE job.id = @job_id
  AND job.attempt = @attempt
  AND job.state IN ('running', 'cancelling')
  AND job.lease_expires_at < coalesce(@now, now())
RETURNING job.id, job.state::text;
