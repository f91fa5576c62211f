-- Read after a fenced write matched no row: was it refused (the lease is gone), or is this a retry of a write that
-- already landed (same owner and attempt, no longer active)?
SELECT state::text, lease_owner, attempt
FROM job
WHERE id = @job_id;
