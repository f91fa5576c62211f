-- The dataset row, inserted last in the upload transaction once size and hash are known.
INSERT INTO dataset (id, tenant_id, file_name, purpose, format, record_count, size_bytes, sha256, chunk_size_bytes)
VALUES (@id, @tenant_id, @file_name, @purpose, @format, @record_count, @size_bytes, @sha256, @chunk_size_bytes)
RETURNING *;
