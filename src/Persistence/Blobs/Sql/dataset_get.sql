SELECT *
FROM dataset
WHERE id = @id AND tenant_id = @tenant_id;
