-- Chunks go with the row (ON DELETE CASCADE). A dataset a job still references as its training file cannot be
-- deleted (job_dataset_fkey); one an unfinished job names as its validation_file (kept only in the spec, as the
-- client wrote the UUID) is skipped here, and the caller tells that apart from "no such dataset".
DELETE FROM dataset
WHERE id = @id AND tenant_id = @tenant_id
  AND NOT EXISTS (
      SELECT 1
      FROM job
      WHERE job.tenant_id = @tenant_id
        AND job.state IN ('validating_files', 'queued', 'running', 'retryable', 'cancelling')
        AND regexp_replace(lower(job.spec ->> 'validation_file'), '[^0-9a-f]', '', 'g') = replace(@id::text, '-', ''));
