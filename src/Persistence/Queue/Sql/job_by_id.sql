-- A job by ID for its worker (no tenant: the worker runs every tenant's jobs), with whether its lease has expired by
-- the database clock.
SELECT job.*, (job.lease_expires_at < coalesce(@now, now())) AS lease_expired
FROM job
WHERE job.id = @job_id;
