SELECT *
FROM job
WHERE id = @job_id AND tenant_id = @tenant_id;
