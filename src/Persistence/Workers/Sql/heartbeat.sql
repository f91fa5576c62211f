-- An idle worker's sign of life (a busy one is marked alive by its job heartbeat).
UPDATE worker SET heartbeat_at = now() WHERE id = @id;
