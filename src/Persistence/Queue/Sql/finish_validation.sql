-- Ends dataset validation of a job of this tenant: to 'queued' when @error is null, else to 'failed' with the reason.
UPDATE job
SET state = CASE WHEN @error::text IS NULL THEN 'queued'::job_state ELSE 'failed'::job_state END,
    finalized_at = CASE WHEN @error::text IS NULL THEN NULL ELSE coalesce(@now, now()) END,
    scheduled_at = greatest(job.scheduled_at, coalesce(@now, now())),
    error = @error,
    errors = CASE WHEN @error::text IS NULL THEN job.errors ELSE job.errors || jsonb_build_array(jsonb_build_object(
        'attempt', 0, 'at', coalesce(@now, now()), 'error', @error, 'permanent', true)) END
WHERE id = @job_id
  AND tenant_id = @tenant_id
  AND state = 'validating_files'
RETURNING state::text;
