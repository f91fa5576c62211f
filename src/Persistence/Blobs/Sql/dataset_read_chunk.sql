SELECT data
FROM dataset_chunk
WHERE dataset_id = @owner_id AND seq = @seq;
