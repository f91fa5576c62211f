-- Appends to a job's event log as the lease holder. Bumping job.event_seq hands out the next seq and row-locks the
-- job, so concurrent appends get consecutive numbers and a rescued worker (no matching row) appends nothing.
-- The job_event_notify trigger sends 'job_id:seq' on channel job_events at commit.
WITH next AS (
    UPDATE job
    SET event_seq = job.event_seq + 1
    WHERE job.id = @job_id
      AND job.lease_owner = @worker_id
      AND job.attempt = @attempt
      AND job.state IN ('running', 'cancelling')
    RETURNING job.id, job.event_seq, job.attempt
)
INSERT INTO job_event (job_id, seq, type, payload, attempt, created_at)
SELECT next.id, next.event_seq, @type, @payload, next.attempt, coalesce(@now, now())
FROM next
RETURNING seq;
