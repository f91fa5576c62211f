-- Removes an earlier artifact of the same name (a resumed attempt rewriting its output). Fenced like artifact_insert.
DELETE FROM artifact a
USING job
WHERE a.job_id = job.id
  AND a.name = @name
  AND job.id = @job_id
  AND job.lease_owner = @worker_id
  AND job.attempt = @attempt
  AND job.state IN ('running', 'cancelling');
