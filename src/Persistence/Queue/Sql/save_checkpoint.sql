-- Records a resume point. Fenced, and the job row is share-locked while the statement runs, so a rescue cannot
-- slip in between the fence check and the insert. Saving the same step again (a resumed attempt redoing it)
-- replaces the earlier record.
INSERT INTO checkpoint (id, job_id, step, attempt, artifact_id, state, created_at)
SELECT @id, job.id, @step, job.attempt, @artifact_id, @state, coalesce(@now, now())
FROM job
WHERE job.id = @job_id
  AND job.lease_owner = @worker_id
  AND job.attempt = @attempt
  AND job.state IN ('running', 'cancelling')
FOR SHARE
ON CONFLICT ON CONSTRAINT checkpoint_job_step_unique DO UPDATE
SET attempt = EXCLUDED.attempt,
    artifact_id = EXCLUDED.artifact_id,
    state = EXCLUDED.state,
    created_at = EXCLUDED.created_at
RETURNING *;
