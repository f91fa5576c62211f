SELECT *
FROM artifact
WHERE id = @id AND tenant_id = @tenant_id;
