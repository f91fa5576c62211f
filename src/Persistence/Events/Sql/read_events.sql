-- A page of a job's event log after @after_seq, oldest first; scoped by tenant through the job.
SELECT e.job_id, e.seq, e.type, e.payload, e.attempt, e.created_at
FROM job_event e
JOIN job j ON j.id = e.job_id
WHERE e.job_id = @job_id
  AND j.tenant_id = @tenant_id
  AND e.seq > @after_seq
ORDER BY e.seq
LIMIT @limit;
