-- The artifact row, inserted last in the write transaction, and only while the writer holds the job's lease: a
-- rescued worker's upload matches no row, and the caller rolls the chunks back. FOR SHARE keeps a rescue from
-- committing between this check and the commit.
INSERT INTO artifact (id, tenant_id, job_id, name, kind, content_type, size_bytes, sha256, chunk_size_bytes, attempt)
SELECT @id, job.tenant_id, job.id, @name, @kind, @content_type, @size_bytes, @sha256, @chunk_size_bytes, job.attempt
FROM job
WHERE job.id = @job_id
  AND job.lease_owner = @worker_id
  AND job.attempt = @attempt
  AND job.state IN ('running', 'cancelling')
FOR SHARE
RETURNING *;
