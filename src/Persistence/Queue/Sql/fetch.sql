-- Claims the best job this worker can run, in one statement. The CTE locks the first claimable row in claim order
-- and skips rows other workers have locked, so concurrent fetches never block each other and never return the same
-- job; the UPDATE starts the attempt and its lease. Claim order: priority, then scheduled time, then ID (UUIDv7,
-- i.e. creation order).
WITH locked AS (
    SELECT id
    FROM job
    WHERE state IN ('queued', 'retryable')
      AND scheduled_at <= coalesce(@now, now())
      AND backend = ANY (@backends)
      AND required_memory_bytes <= @memory_bytes
    ORDER BY priority ASC, scheduled_at ASC, id ASC
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE job
SET state = 'running',
    attempt = job.attempt + 1,
    attempted_at = coalesce(@now, now()),
    lease_owner = @worker_id,
    lease_expires_at = coalesce(@now, now()) + @lease_duration
FROM locked
WHERE job.id = locked.id
RETURNING job.*;
