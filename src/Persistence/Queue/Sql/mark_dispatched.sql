-- Records the Hangfire jobs that deliver a batch of jobs (in the dispatcher's transaction, which holds the row locks):
-- the job @job_ids[i] is delivered by the Hangfire job @hangfire_job_ids[i]. One statement per batch, not per job.
UPDATE job SET hangfire_job_id = handed.hangfire_job_id
FROM unnest(@job_ids::uuid[], @hangfire_job_ids::text[]) AS handed(job_id, hangfire_job_id)
WHERE job.id = handed.job_id;
