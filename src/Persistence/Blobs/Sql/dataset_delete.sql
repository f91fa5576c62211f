-- Chunks go with the row (ON DELETE CASCADE). A dataset a job still references cannot be deleted (job_dataset_fkey).
DELETE FROM dataset
WHERE id = @id AND tenant_id = @tenant_id;
