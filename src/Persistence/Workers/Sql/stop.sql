UPDATE worker SET stopped_at = now() WHERE id = @id;
