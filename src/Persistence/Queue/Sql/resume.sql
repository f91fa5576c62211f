-- Resumes a paused job of this tenant: queued again at once, with its `status` event {status: "resumed"} appended in
-- the same statement. Its Hangfire job is forgotten (it was deleted when the job paused), so the dispatcher hands the
-- job over anew, as any queued job without one (the outbox). Its next attempt continues from its latest checkpoint.
-- Any other state is left alone. Returns the resulting state and whether this call resumed the job; no row means no
-- such job for this tenant.
WITH target AS (
    SELECT id, state
    FROM job
    WHERE id = @job_id AND tenant_id = @tenant_id
    FOR UPDATE
), changed AS (
    UPDATE job
    SET state = 'queued',
        hangfire_job_id = NULL,
        scheduled_at = coalesce(@now, now()),
        event_seq = job.event_seq + 1
    FROM target
    WHERE job.id = target.id
      AND target.state = 'paused'
    RETURNING job.id, job.state, job.event_seq, job.attempt
), resumed_event AS (
    INSERT INTO job_event (job_id, seq, type, payload, attempt, created_at)
    SELECT changed.id, changed.event_seq, 'status', jsonb_build_object('status', 'resumed'), changed.attempt, coalesce(@now, now())
    FROM changed
)
SELECT coalesce((SELECT state FROM changed), (SELECT state FROM target))::text AS state,
    EXISTS (SELECT 1 FROM changed) AS accepted
WHERE EXISTS (SELECT 1 FROM target);
