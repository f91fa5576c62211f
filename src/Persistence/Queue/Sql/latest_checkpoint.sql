-- The checkpoint a new attempt resumes from: the highest step any earlier attempt saved.
SELECT *
FROM checkpoint
WHERE job_id = @job_id
ORDER BY step DESC
LIMIT 1;
