SELECT *
FROM artifact
WHERE job_id = @job_id AND name = @name AND tenant_id = @tenant_id;
