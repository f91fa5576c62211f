-- Workers heard from within @within and not stopped, newest heartbeat first.
SELECT id, host, backends, memory_bytes, capabilities, started_at, heartbeat_at, stopped_at
FROM worker
WHERE stopped_at IS NULL AND heartbeat_at >= now() - @within
ORDER BY heartbeat_at DESC;
