-- One slice of artifact content. Written before the artifact row itself (the foreign key is deferred to commit).
INSERT INTO artifact_chunk (artifact_id, seq, data)
VALUES (@owner_id, @seq, @data);
