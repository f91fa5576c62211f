SELECT data
FROM artifact_chunk
WHERE artifact_id = @owner_id AND seq = @seq;
