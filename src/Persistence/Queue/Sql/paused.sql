-- The worker stopped because a pause was requested (a heartbeat reported it), after storing a checkpoint of its last
-- step. Fenced. The job waits as 'paused' for a resume, and as on a release the interrupted attempt is not charged
-- (max_attempts grows by one; attempt never decreases, it is the fencing token). A cancel that arrived meanwhile wins:
-- the job ends cancelled. pause_requested_at is cleared by job_clear_pause_request_trigger.
UPDATE job
SET state = CASE WHEN job.state = 'cancelling' THEN 'cancelled'::job_state ELSE 'paused'::job_state END,
    finalized_at = CASE WHEN job.state = 'cancelling' THEN coalesce(@now, now()) END,
    max_attempts = job.max_attempts + CASE WHEN job.state = 'cancelling' THEN 0 ELSE 1 END,
    lease_expires_at = NULL
WHERE job.id = @job_id
  AND job.lease_owner = @worker_id
  AND job.attempt = @attempt
  AND job.state IN ('running', 'cancelling')
RETURNING job.state::text;
