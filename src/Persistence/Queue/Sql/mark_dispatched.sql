-- Records the Hangfire job that delivers a job (in the dispatcher's transaction, which holds the row lock).
UPDATE job SET hangfire_job_id = @hangfire_job_id WHERE id = @job_id;
