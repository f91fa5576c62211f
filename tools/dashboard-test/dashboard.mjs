// Drives the dashboard at / in Debian's headless chromium, as a user would, against a running `finetune serve`:
// a wrong key is refused; sign in; a bad upload shows its line; upload; submit a job from the form; watch the loss
// chart gain points as step events arrive; reload mid-run (no gap, no duplicate); cancel; pause a job mid-run and
// resume it to the end (no step trained twice), and a refused pause shows the server's reason; a DP job to the end
// with its ε, eval and checkpoint; download the adapter; preview the dataset; a second tenant sees none of it.
// No console error and no failed request may happen beyond the ones each step expects. Prints one JSON line per
// finding for DashboardBrowserTests to check, and saves a screenshot of the finished job's page.
// Usage: node dashboard.mjs --url URL --key KEY --other-key KEY --data good.jsonl --bad-data bad.jsonl
//                           --model NAME --out DIR [--chromium /usr/bin/chromium]
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(
    process.argv.slice(2).reduce((pairs, value, index, all) => (index % 2 === 0 ? [...pairs, [value.replace(/^--/, ''), all[index + 1]]] : pairs), []),
);
const base = args.url.replace(/\/$/, '');
const print = (kind, value) => console.log(JSON.stringify({ kind, ...value }));
const fail = (message) => { throw new Error(message); };

/**
 * Records what goes wrong in a page: console errors, uncaught exceptions, failed requests and HTTP errors. A step
 * that provokes an HTTP error on purpose names it with expect(); Chromium's console line for it is then excused too.
 */
function watch(page, name) {
    const expected = [];
    const problems = [];
    const isExpected = (url, status) => {
        const index = expected.findIndex(e => e.status === status && e.path.test(new URL(url).pathname));
        return index >= 0;
    };
    page.on('console', message => {
        if (message.type() !== 'error') return;
        const status = Number(message.text().match(/status of (\d{3})/)?.[1]);
        if (status && isExpected(message.location().url, status)) return;
        problems.push(`${name} console error: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', error => problems.push(`${name} uncaught: ${error.message}`));
    page.on('requestfailed', request => {
        // A reload cancels the page's pending requests and its hub connection; that is the browser, not a failure.
        if (request.failure()?.errorText === 'net::ERR_ABORTED' && reloading) return;
        problems.push(`${name} request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`);
    });
    page.on('response', response => {
        if (response.status() < 400) return;
        if (isExpected(response.url(), response.status())) {
            seen.push(`${response.status()} ${new URL(response.url()).pathname}`);
            return;
        }
        problems.push(`${name} HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
    });
    const seen = [];
    let reloading = false;
    return {
        problems,
        seen,
        expect(status, pathPattern) { expected.push({ status, path: pathPattern }); },
        async reload() {
            reloading = true;
            await page.reload();
            reloading = false;
        },
    };
}

/** Waits until fn (run in the page) returns a truthy value, and returns it. */
async function until(page, fn, arg, what, timeout = 60_000) {
    try {
        return await (await page.waitForFunction(fn, arg, { timeout, polling: 100 })).jsonValue();
    } catch (error) {
        // What the page showed then, so a failure says where it stood.
        const shown = await page.evaluate(() => ({ facts: document.querySelector('#facts')?.innerText, view: document.querySelector('#view')?.innerText.slice(0, 2000) })).catch(() => ({}));
        fail(`timed out after ${timeout / 1000} s waiting for ${what}: ${error.message.split('\n')[0]}\npage: ${JSON.stringify(shown)}\nproblems: ${JSON.stringify(problemsSoFar)}`);
    }
}

const chartData = (page, name) => page.evaluate(chart => window.finetuneJobPage?.charts[chart]?.data ?? null, name);
const status = page => page.locator('#facts .status').textContent();

/** Fails unless the steps are consecutive (each one more than the last) and the seqs are exactly 1..n. */
async function assertNoGapNoDuplicate(page, what) {
    const [steps] = await chartData(page, 'loss');
    const seqs = await page.evaluate(() => window.finetuneJobPage.seqs);
    steps.forEach((step, i) => i === 0 || step === steps[i - 1] + 1 || fail(`${what}: loss chart steps ${steps.join(',')} have a gap or duplicate at ${i}`));
    seqs.forEach((seq, i) => seq === i + 1 || fail(`${what}: the page applied seqs ${seqs.join(',')}, not 1..n`));
    return { steps, seqs: seqs.length };
}

async function signIn(page, key) {
    await page.goto(base + '/');
    await page.fill('#api-key', key);
    await page.click('#sign-in');
}

async function fillNewJob(page, fields) {
    await page.goto(base + '/#/new');
    await page.waitForSelector('#submit');
    for (const [selector, value] of Object.entries(fields)) await page.fill(selector, String(value));
}

let problemsSoFar = [];
const started = Date.now();
const browser = await chromium.launch({ executablePath: args.chromium ?? '/usr/bin/chromium', headless: true });
try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const watcher = watch(page, 'tenant');
    problemsSoFar = watcher.problems;

    // A wrong key is refused on the sign-in form, and nothing is kept.
    watcher.expect(401, /^\/v1\/jobs$/);
    await signIn(page, 'ft_wrong_key_for_the_test');
    const refused = await until(page, () => document.querySelector('#sign-in-error')?.textContent, null, 'the wrong key to be refused');
    print('wrong_key', { message: refused, kept: await page.evaluate(() => sessionStorage.length) });

    await page.fill('#api-key', args.key);
    await page.click('#sign-in');
    await page.waitForSelector('#jobs');
    print('signed_in', { nav: await page.isVisible('#nav') });

    // A bad file: its line and reason are shown, nothing is stored. Then the good one, which the form selects.
    await page.goto(base + '/#/new');
    await page.waitForSelector('#dataset-file');
    watcher.expect(422, /^\/v1\/datasets\/?$/);
    await page.setInputFiles('#dataset-file', args['bad-data']);
    await page.click('#upload');
    const uploadErrors = await until(page, () => document.querySelector('#upload-errors li')?.textContent, null, 'the bad upload\'s errors');
    print('bad_upload', { first_error: uploadErrors });
    await page.setInputFiles('#dataset-file', args.data);
    await page.click('#upload');
    const datasetName = path.basename(args.data);
    await until(page, name => document.querySelector('#dataset')?.selectedOptions[0]?.textContent.startsWith(name), datasetName, 'the uploaded dataset to be selected');
    const datasetId = await page.inputValue('#dataset');
    print('uploaded', { dataset: datasetId, option: await page.locator('#dataset option:checked').textContent() });

    // A long job: watch points arrive, reload mid-run, cancel.
    await page.fill('#hp-steps', '2000');
    await page.fill('#hp-batch_size', '2');
    await page.fill('#hp-max_seq_len', '128');
    await page.click('#submit');
    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const longJob = page.url().split('/').pop();
    const counts = [];
    for (let target = 3; counts.length < 3; target = counts[counts.length - 1] + 1) {
        counts.push(await until(page, n => { const k = window.finetuneJobPage?.charts.loss.points ?? 0; return k >= n && k; }, target, `${target} points on the loss chart`));
    }
    const beforeReload = await assertNoGapNoDuplicate(page, 'before the reload');
    print('live_points', { job: longJob, counts, steps: beforeReload.steps.length });

    await watcher.reload();
    await until(page, n => (window.finetuneJobPage?.charts.loss.points ?? 0) > n, beforeReload.steps.length, 'the loss chart to continue past its points before the reload');
    const afterReload = await assertNoGapNoDuplicate(page, 'after the reload');
    print('reloaded', { before: beforeReload.steps.length, after: afterReload.steps.length, first_step: afterReload.steps[0], seqs: afterReload.seqs });

    await page.click('#cancel');
    await until(page, () => document.querySelector('#facts .status')?.textContent === 'cancelled', null, 'the job to be cancelled');
    const afterCancel = await assertNoGapNoDuplicate(page, 'after the cancel');
    print('cancelled', { status: await status(page), steps: afterCancel.steps.length, cancel_hidden: await page.isHidden('#cancel') });

    // Pause a job mid-run from its page, then resume it to the end: the status follows the hub's status events with no
    // reload, no step event comes while it is paused, and the resumed attempt carries on after the checkpoint step.
    const pauseSteps = 40;
    await fillNewJob(page, { '#hp-steps': pauseSteps, '#hp-batch_size': 2, '#hp-max_seq_len': 128 });
    await page.selectOption('#dataset', datasetId);
    await page.click('#submit');
    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const pausedJob = page.url().split('/').pop();
    await page.waitForSelector('#facts .status');
    // Every status the page's badge shows from here on, in order.
    await page.evaluate(() => {
        window.shownStatuses = [];
        const note = () => {
            const shown = document.querySelector('#facts .status')?.textContent;
            if (shown && shown !== window.shownStatuses.at(-1)) window.shownStatuses.push(shown);
        };
        note();
        new MutationObserver(note).observe(document.querySelector('#facts'), { childList: true, subtree: true, characterData: true });
    });
    await until(page, () => (window.finetuneJobPage?.charts.loss.points ?? 0) >= 2 && document.querySelector('#pause')?.hidden === false, null, 'two steps and the Pause button');
    const buttonsRunning = { pause: await page.isVisible('#pause'), resume: await page.isVisible('#resume'), cancel: await page.isVisible('#cancel') };
    await page.click('#pause');
    // Once the log's newest row is the paused event, every step event before it has been applied too.
    await until(page, () => document.querySelector('#facts .status')?.textContent === 'paused' && !document.querySelector('#resume').hidden
        && document.querySelector('#event-log td:nth-child(3)')?.textContent.startsWith('paused at step'), null, 'the job to show paused');
    const buttonsPaused = { pause: await page.isVisible('#pause'), resume: await page.isVisible('#resume'), cancel: await page.isVisible('#cancel') };
    const stepsAtPause = await page.evaluate(() => window.finetuneJobPage.steps.length);
    // A running job would have sent several steps by now; a paused one sends none.
    await page.waitForTimeout(1500);
    const stepsWhilePaused = await page.evaluate(() => window.finetuneJobPage.steps.length);
    const statusesPaused = await page.evaluate(() => window.shownStatuses.slice());
    await page.click('#resume');
    await until(page, () => ['queued', 'running'].includes(document.querySelector('#facts .status')?.textContent), null, 'the resumed job to show queued or running');
    await until(page, () => document.querySelector('#facts .status')?.textContent === 'succeeded', null, 'the resumed job to succeed', 90_000);
    const buttonsFinished = { pause: await page.isVisible('#pause'), resume: await page.isVisible('#resume'), cancel: await page.isVisible('#cancel') };
    const resumedRun = await assertNoGapNoDuplicate(page, 'the paused and resumed job');
    // A page that missed the job's end offers a pause the server refuses: its reason is shown, not swallowed.
    watcher.expect(409, new RegExp(`^/v1/jobs/${pausedJob}/pause$`));
    await page.evaluate(() => document.querySelector('#pause').click());
    const refusal = await until(page, () => document.querySelector('#action-error')?.textContent, null, 'the refused pause\'s reason');
    const log = await (await fetch(`${base}/v1/jobs/${pausedJob}/events?limit=1000`, { headers: { Authorization: `Bearer ${args.key}` } })).json();
    print('paused_resumed', {
        job: pausedJob, total_steps: pauseSteps, buttons_running: buttonsRunning, buttons_paused: buttonsPaused, buttons_finished: buttonsFinished,
        steps_at_pause: stepsAtPause, steps_while_paused: stepsWhilePaused, statuses_until_paused: statusesPaused,
        statuses: await page.evaluate(() => window.shownStatuses), received_steps: await page.evaluate(() => window.finetuneJobPage.steps),
        chart_steps: resumedRun.steps, paused_event: log.data.find(e => e.type === 'status' && e.payload.status === 'paused')?.payload ?? null,
        status_events: log.data.filter(e => e.type === 'status').map(e => e.payload.status), refusal,
    });

    // A DP job run to the end from the form: ε against its target, eval loss, a checkpoint, the adapter download.
    await fillNewJob(page, { '#hp-steps': 12, '#hp-batch_size': 2, '#hp-max_seq_len': 128, '#hp-eval_every': 4, '#hp-save_every': 4, '#dp-target': 8, '#dp-batch': 4 });
    await page.selectOption('#dataset', datasetId);
    await page.check('#dp-enabled');
    const calculator = await until(page, () => /^ε = \d/.test(document.querySelector('#dp-epsilon')?.textContent ?? '') && document.querySelector('#dp-epsilon').textContent, null, 'the privacy calculator');
    await page.click('#submit');
    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const dpJob = page.url().split('/').pop();
    await until(page, () => document.querySelector('#facts .status')?.textContent === 'succeeded', null, 'the DP job to succeed', 90_000);
    await until(page, () => document.querySelector('#artifacts [data-artifact="adapter_model.safetensors"]'), null, 'the adapter in the artifact list');
    const dp = await assertNoGapNoDuplicate(page, 'the DP job');
    const [epsilonSteps, epsilon, target] = await chartData(page, 'epsilon');
    const [evalSteps] = await chartData(page, 'eval');
    print('dp_job', {
        job: dpJob, calculator, steps: dp.steps, epsilon_points: epsilonSteps.length, last_epsilon: epsilon.at(-1), target: target.at(-1),
        eval_points: evalSteps.length, lr_points: (await chartData(page, 'lr'))[0].length, tokens_points: (await chartData(page, 'tokens'))[0].length,
        grad_points: (await chartData(page, 'grad'))[0].length, epsilon_fact: await page.locator('#epsilon-spent').textContent(),
        audit_fact: await page.locator('#epsilon-audit').textContent(), checkpoints: await page.locator('#checkpoints li').allTextContents(),
    });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#artifacts [data-artifact="adapter_model.safetensors"]')]);
    const saved = path.join(args.out, 'downloaded-' + download.suggestedFilename());
    await download.saveAs(saved);
    const listed = await (await fetch(`${base}/v1/jobs/${dpJob}/artifacts`, { headers: { Authorization: `Bearer ${args.key}` } })).json();
    print('download', {
        name: download.suggestedFilename(), bytes: fs.statSync(saved).size,
        sha256: createHash('sha256').update(fs.readFileSync(saved)).digest('hex'),
        listed_sha256: listed.data.find(a => a.name === 'adapter_model.safetensors')?.sha256,
    });
    await page.evaluate(() => document.querySelector('.log').scrollTo(0, 0));
    await page.screenshot({ path: path.join(args.out, 'dashboard-job.png'), fullPage: true });

    // The dataset as the trainer sees it: masked prompt, trained reply, counts.
    await page.goto(base + '/#/datasets');
    await page.click(`#datasets tr[data-id="${datasetId}"]`);
    await page.waitForSelector('#preview-counts');
    print('preview', {
        counts: await page.locator('#preview-counts').textContent(), examples: await page.locator('#preview .example').count(),
        masked: await page.locator('#preview .seg.masked').count(), trained: await page.locator('#preview .seg.trained').count(),
        first_trained: await page.locator('#preview .example .seg.trained').first().textContent(),
    });
    await page.screenshot({ path: path.join(args.out, 'dashboard-datasets.png'), fullPage: true });

    // The jobs list shows both, newest first, with their states.
    await page.goto(base + '/#/jobs');
    await page.waitForSelector(`#jobs a[href="#/jobs/${dpJob}"]`);
    print('jobs_list', { rows: await page.locator('#jobs tbody tr').allTextContents() });
    print('problems', { tenant: watcher.problems, expected_seen: watcher.seen });

    // Another tenant: no jobs, no datasets, and the first tenant's job page is not found.
    const other = await (await browser.newContext()).newPage();
    const otherWatcher = watch(other, 'other tenant');
    await signIn(other, args['other-key']);
    // The table is drawn before its rows arrive from /v1/jobs: wait for a row (the 'No jobs yet' one) before reading.
    await other.waitForSelector('#jobs tbody tr');
    const otherJobs = await other.locator('#jobs tbody').textContent();
    otherWatcher.expect(404, new RegExp(`^/v1/jobs/${longJob}$`));
    await other.goto(`${base}/#/jobs/${longJob}`);
    const otherJobPage = await until(other, () => document.querySelector('#view .error')?.textContent, null, 'the other tenant\'s job page to refuse');
    await other.goto(base + '/#/datasets');
    await other.waitForSelector('#datasets tbody tr');
    print('other_tenant', {
        jobs: otherJobs, job_page: otherJobPage, datasets: await other.locator('#datasets tbody').textContent(),
        problems: otherWatcher.problems, expected_seen: otherWatcher.seen,
    });
    print('timing', { seconds: (Date.now() - started) / 1000 });
} finally {
    await browser.close();
}
