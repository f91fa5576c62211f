-- Appends to a job's event log on behalf of the service (API, validation), not a lease holder; scoped by tenant.
-- Shares the seq counter with worker appends, so the log stays gapless whoever writes.
WITH next AS (
    UPDATE job
    SET event_seq = job.event_seq + 1
    WHERE job.id = @job_id AND job.tenant_id = @tenant_id
    RETURNING job.id, job.event_seq, job.attempt
)
INSERT INTO job_event (job_id, seq, type, payload, attempt, created_at)
SELECT next.id, next.event_seq, @type, @payload, next.attempt, now()
FROM next
RETURNING seq;
