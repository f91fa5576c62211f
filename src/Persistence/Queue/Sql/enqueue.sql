-- Inserts one job. Run inside the caller's transaction when the job belongs with a domain row: the job is then
-- invisible to workers until that transaction commits, and gone if it rolls back. The job_notify trigger wakes
-- listening workers on commit.
INSERT INTO job (
    id, tenant_id, kind, spec, backend, required_memory_bytes, dataset_id,
    state, priority, max_attempts, scheduled_at, created_at)
VALUES (
    @id, @tenant_id, @kind, @spec, @backend, @required_memory_bytes, @dataset_id,
    CASE WHEN @await_validation THEN 'validating_files'::job_state ELSE 'queued'::job_state END,
    @priority, @max_attempts, coalesce(@scheduled_at, @now, now()), coalesce(@now, now()))
RETURNING *;
