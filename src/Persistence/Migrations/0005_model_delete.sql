-- 0005: deleting a fine-tuned model (OpenAI's DELETE /v1/models/{model}). The job stays, as on OpenAI: its events,
-- logs, checkpoints rows and result remain; the adapter's files are deleted and the model is no longer listed or
-- retrievable. Only a succeeded job has a model to delete.
ALTER TABLE job ADD COLUMN model_deleted_at timestamptz;

ALTER TABLE job ADD CONSTRAINT job_model_deleted_when_succeeded CHECK (
    model_deleted_at IS NULL OR state = 'succeeded');
