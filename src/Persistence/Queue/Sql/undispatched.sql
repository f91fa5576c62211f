-- Jobs waiting for an attempt that Hangfire has not been given yet (the outbox), locked so that two dispatchers never
-- hand the same job over twice at once; @job_id null means any such job, oldest first by priority.
SELECT id, backend, required_memory_bytes
FROM job
WHERE hangfire_job_id IS NULL
  AND state IN ('queued', 'retryable')
  AND (@job_id::uuid IS NULL OR id = @job_id::uuid)
ORDER BY priority, created_at
LIMIT @batch_size
FOR UPDATE SKIP LOCKED;
