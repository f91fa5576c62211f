// Drives FineTune's OpenAI-compatible fine-tuning API with the official `openai` npm client, as a user would with
// baseURL = FineTune's /v1, and prints one JSON line per result for the end-to-end test to check.
// Usage: node client.mjs --base-url http://host:port/v1 --key ft_... --data file.jsonl --model NAME
import fs from 'node:fs';
import OpenAI from 'openai';

const args = Object.fromEntries(
    process.argv.slice(2).reduce((pairs, value, index, all) => (index % 2 === 0 ? [...pairs, [value.replace(/^--/, ''), all[index + 1]]] : pairs), []),
);
const client = new OpenAI({ baseURL: args['base-url'], apiKey: args.key, maxRetries: 0, timeout: 60_000 });
const print = (kind, value) => console.log(JSON.stringify({ kind, ...value }));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(id, done) {
    for (let i = 0; i < 600; i++) {
        const job = await client.fineTuning.jobs.retrieve(id);
        if (done(job)) return job;
        await sleep(500);
    }
    throw new Error(`job ${id} did not finish`);
}

const file = await client.files.create({ file: fs.createReadStream(args.data), purpose: 'fine-tune' });
print('file', { id: file.id, object: file.object, bytes: file.bytes, purpose: file.purpose, filename: file.filename, status: file.status });
const retrievedFile = await client.files.retrieve(file.id);
print('file_retrieved', { id: retrievedFile.id });

// FineTune's own options ride as extra fields (here steps, max_seq_len, save_every and lora), spread into the body.
const created = await client.fineTuning.jobs.create({
    model: args.model,
    training_file: file.id,
    suffix: 'node-sdk',
    seed: 7,
    metadata: { client: 'node' },
    method: { type: 'supervised', supervised: { hyperparameters: { batch_size: 2, learning_rate_multiplier: 'auto', steps: 4, max_seq_len: 128, save_every: 2 } } },
    lora: { r: 4 },
});
print('created', { id: created.id, status: created.status, hyperparameters: created.hyperparameters, method: created.method, training_file: created.training_file });

const succeeded = await waitFor(created.id, (job) => ['succeeded', 'failed', 'cancelled'].includes(job.status));
print('finished', {
    id: succeeded.id, status: succeeded.status, fine_tuned_model: succeeded.fine_tuned_model, hyperparameters: succeeded.hyperparameters,
    trained_tokens: succeeded.trained_tokens, result_files: succeeded.result_files, error: succeeded.error, finished_at: succeeded.finished_at,
});

// A second job, cancelled while it waits or runs; 50 epochs so it cannot finish (and rightly succeed) before the cancel lands.
const second = await client.fineTuning.jobs.create({ model: args.model, training_file: file.id, hyperparameters: { n_epochs: 50 } });
const cancelled = await client.fineTuning.jobs.cancel(second.id);
print('cancel', { id: cancelled.id, status: cancelled.status });
const finalSecond = await waitFor(second.id, (job) => ['succeeded', 'failed', 'cancelled'].includes(job.status));
print('cancelled', { id: finalSecond.id, status: finalSecond.status });

// A third job paused (at once while queued; after a checkpoint while running), then resumed to the end; 60 steps so
// it cannot finish (and rightly succeed) before the pause lands, which stores a checkpoint of its own.
const third = await client.fineTuning.jobs.create({
    model: args.model,
    training_file: file.id,
    method: { type: 'supervised', supervised: { hyperparameters: { batch_size: 2, steps: 60, max_seq_len: 128, save_every: 20 } } },
});
const pausing = await client.fineTuning.jobs.pause(third.id);
const paused = await waitFor(third.id, (job) => ['paused', 'succeeded', 'failed', 'cancelled'].includes(job.status));
print('paused', { id: paused.id, answered: pausing.status, status: paused.status });
const resuming = await client.fineTuning.jobs.resume(third.id);
const resumed = await waitFor(third.id, (job) => ['succeeded', 'failed', 'cancelled'].includes(job.status));
print('resumed', { id: resumed.id, answered: resuming.status, status: resumed.status, trained_tokens: resumed.trained_tokens });

// Pagination: one job per page, following has_more with `after` (the SDK's auto-pagination).
const listed = [];
let pages = 0;
for await (const page of (await client.fineTuning.jobs.list({ limit: 1 })).iterPages()) {
    pages += 1;
    listed.push(...page.data.map((job) => job.id));
}
print('list', { ids: listed, pages });

const events = [];
for await (const event of client.fineTuning.jobs.listEvents(created.id, { limit: 3 })) {
    events.push({ id: event.id, type: event.type, level: event.level, message: event.message, data: event.data });
}
print('events', { events });

const checkpoints = [];
for await (const checkpoint of client.fineTuning.jobs.checkpoints.list(created.id, { limit: 1 })) {
    checkpoints.push({ id: checkpoint.id, step_number: checkpoint.step_number, metrics: checkpoint.metrics, fine_tuned_model_checkpoint: checkpoint.fine_tuned_model_checkpoint, fine_tuning_job_id: checkpoint.fine_tuning_job_id });
}
print('checkpoints', { checkpoints });

const models = await client.models.list();
print('models', { ids: models.data.map((model) => model.id), owned_by: models.data.map((model) => model.owned_by) });
const retrieved = await client.models.retrieve(succeeded.fine_tuned_model);
print('model', { id: retrieved.id, parent: retrieved.parent, owned_by: retrieved.owned_by });

for (const [name, call] of [
    ['dpo', () => client.fineTuning.jobs.create({ model: args.model, training_file: file.id, method: { type: 'dpo', dpo: {} } })],
    ['unknown_job', () => client.fineTuning.jobs.retrieve('ftjob-00000000000000000000000000000000')],
    ['resume_succeeded', () => client.fineTuning.jobs.resume(created.id)],
    ['chat', () => client.chat.completions.create({ model: succeeded.fine_tuned_model, messages: [{ role: 'user', content: 'hi' }] })],
    ['bad_multiplier', () => client.fineTuning.jobs.create({ model: args.model, training_file: file.id, method: { type: 'supervised', supervised: { hyperparameters: { learning_rate_multiplier: -1 } } } })],
]) {
    try {
        await call();
        print('error', { name, unexpected: 'no error' });
    } catch (error) {
        print('error', { name, status: error.status, message: error.message, param: error.param ?? error.error?.param ?? null, code: error.code ?? null, type: error.type ?? null });
    }
}

// Last, since it removes the model the calls above use: models.delete, then the model is gone.
const deleted = await client.models.delete(succeeded.fine_tuned_model);
let afterDelete = null;
try {
    await client.models.retrieve(succeeded.fine_tuned_model);
} catch (error) {
    afterDelete = error.status;
}
print('model_deleted', { id: deleted.id, object: deleted.object, deleted: deleted.deleted, retrieve_status: afterDelete });
