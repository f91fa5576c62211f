-- Announces a worker (or re-announces one that restarted under the same ID).
INSERT INTO worker (id, host, backends, memory_bytes, capabilities, started_at, heartbeat_at)
VALUES (@id, @host, @backends, @memory_bytes, @capabilities, now(), now())
ON CONFLICT ON CONSTRAINT worker_pkey DO UPDATE
SET host = EXCLUDED.host,
    backends = EXCLUDED.backends,
    memory_bytes = EXCLUDED.memory_bytes,
    capabilities = EXCLUDED.capabilities,
    started_at = EXCLUDED.started_at,
    heartbeat_at = EXCLUDED.heartbeat_at,
    stopped_at = NULL;
