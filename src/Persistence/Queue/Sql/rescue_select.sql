-- Jobs whose lease ran out: their worker stopped heartbeating (crashed, partitioned, or paused past the lease).
SELECT id, attempt
FROM job
WHERE state IN ('running', 'cancelling')
  AND lease_expires_at < coalesce(@now, now())
ORDER BY lease_expires_at
LIMIT @batch_size;
