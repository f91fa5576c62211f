-- Inserts one job. Run inside the caller's transaction when the job belongs with a domain row: the job is then
-- invisible to workers until that transaction commits, and gone if it rolls back.
-- The job's datasets (training, and validation when there is one) must be its tenant's: otherwise nothing is
-- inserted and no row comes back. Checking here rather than in a query before spares a submit one round trip.
INSERT INTO job (
    id, tenant_id, kind, spec, backend, required_memory_bytes, dataset_id,
    state, priority, max_attempts, scheduled_at, created_at)
SELECT
    @id, @tenant_id, @kind, @spec, @backend, @required_memory_bytes, @dataset_id,
    CASE WHEN @await_validation THEN 'validating_files'::job_state ELSE 'queued'::job_state END,
    @priority, @max_attempts, coalesce(@scheduled_at, @now, now()), coalesce(@now, now())
WHERE (@dataset_id IS NULL OR EXISTS (SELECT 1 FROM dataset WHERE id = @dataset_id AND tenant_id = @tenant_id))
  AND (@validation_dataset_id IS NULL OR EXISTS (SELECT 1 FROM dataset WHERE id = @validation_dataset_id AND tenant_id = @tenant_id))
RETURNING *;
