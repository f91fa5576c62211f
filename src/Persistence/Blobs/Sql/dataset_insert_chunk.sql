-- One slice of dataset content. Written before the dataset row itself (the foreign key is deferred to commit).
INSERT INTO dataset_chunk (dataset_id, seq, data)
VALUES (@owner_id, @seq, @data);
