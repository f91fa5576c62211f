SELECT *
FROM artifact
WHERE tenant_id = @tenant_id AND job_id = @job_id
ORDER BY name;
