// A job's page, live over the jobs hub: charts, event log, checkpoints, artifacts, pause, resume and cancel. The hub is
// subscribed with the last seq this page holds, after every reconnect, so a restart or a dropped network leaves no gap
// and no duplicate.
/* global signalR */
import { api, download, session } from "./api.js";
import { h, number, duration, statusBadge } from "./dom.js";
import { MetricChart } from "./chart.js";

const finished = ["succeeded", "failed", "cancelled"];
const unfinished = ["validating_files", "queued", "running", "cancelling", "pausing", "paused"];
// The states a job row can still show just after a status event, because the worker appends the event before it
// updates the row (a running job's "paused", say). Until the row has moved past them the page asks again shortly.
const leftBehind = {
  running: ["queued"],
  paused: ["queued", "running", "pausing"],
  resumed: ["paused"],
  released: ["running", "pausing", "cancelling"],
  cancelled: unfinished,
};

export async function renderJob(view, jobId) {
  const job = await api(`/v1/jobs/${jobId}`);
  const title = h("h1", {}, "Job ", h("code", {}, jobId));
  const facts = h("div", { class: "facts", id: "facts" });
  const charts = h("div", { class: "grid charts" });
  const log = h("tbody");
  const checkpoints = h("ul", { id: "checkpoints", class: "plain" });
  const artifacts = h("ul", { id: "artifacts", class: "plain" });
  const actionError = h("p", { class: "error", id: "action-error" });
  // A refused action (a 409 when the job has moved on since this page last heard of it) shows the server's detail.
  // The refresh after it queues behind any under way, so an older answer never overwrites a newer one.
  const action = (id, verb, label, attributes = {}) => h("button", { id, ...attributes, onclick: async () => {
    actionError.textContent = "";
    try {
      await api(`/v1/jobs/${jobId}/${verb}`, { method: "POST" });
      refreshSoon();
    } catch (failure) {
      actionError.textContent = failure.message;
    }
  } }, label);
  const pause = action("pause", "pause", "Pause", { class: "secondary", title: "A running job stops after its current step, checkpointed" });
  const resume = action("resume", "resume", "Resume", { title: "Queue the job again; it continues from its last checkpoint" });
  const cancel = action("cancel", "cancel", "Cancel job", { class: "danger" });
  view.replaceChildren(
    h("div", { class: "card" }, h("div", { class: "row" }, title, h("div", { class: "actions" }, pause, resume, cancel)), actionError, facts),
    charts,
    h("div", { class: "grid wide" },
      h("div", { class: "card" }, h("h2", {}, "Events"), h("div", { class: "log" }, h("table", { id: "event-log" }, log))),
      h("div", { class: "card" }, h("h2", {}, "Checkpoints"), checkpoints,
        h("p", { class: "muted small" }, "Resume points; not downloadable (under DP they hold the secret noise seed)."),
        h("h2", {}, "Artifacts"), artifacts)));

  const chart = (key, title, ...labels) => {
    const box = h("div", { class: "card chart", "data-chart": key, "data-points": "0" });
    charts.append(box);
    return new MetricChart(box, title, labels);
  };
  const byName = {
    loss: chart("loss", "Training loss", "train loss"),
    eval: chart("eval", "Eval loss", "eval loss"),
    lr: chart("lr", "Learning rate", "lr"),
    tokens: chart("tokens", "Tokens/s", "tokens/s"),
    grad: chart("grad", "Grad norm", "grad norm"),
  };
  // A job with only a privacy audit trains without DP: it spends no ε.
  if (job.privacy && job.privacy.differential_privacy !== false) byName.epsilon = chart("epsilon", "ε spent vs target", "ε spent", "target ε");
  const seqs = [];
  const steps = [];
  // Read by the browser tests: each chart's data arrays, and every seq and step event's step this page applied, in
  // order (the charts keep one point per step, so only this list shows a step trained twice).
  window.finetuneJobPage = { jobId, charts: byName, seqs, steps };

  let current = job;
  async function refresh() {
    current = await api(`/v1/jobs/${jobId}`);
    showFacts(facts, current);
    // A pausing job is still running, but its pause is already asked for and it cannot be resumed until it is paused.
    pause.hidden = !["queued", "running"].includes(current.status);
    resume.hidden = current.status !== "paused";
    cancel.hidden = finished.includes(current.status) || current.status === "cancelling";
    const [points, files] = await Promise.all([api(`/v1/jobs/${jobId}/checkpoints`), api(`/v1/jobs/${jobId}/artifacts`)]);
    checkpoints.replaceChildren(...points.data.map(c => h("li", {}, `step ${c.step}`, h("span", { class: "muted" }, ` · attempt ${c.attempt} · ${new Date(c.created_at * 1000).toLocaleTimeString()}`))));
    if (points.data.length === 0) checkpoints.append(h("li", { class: "muted" }, "none yet"));
    artifacts.replaceChildren(...files.data.map(a => h("li", {},
      h("a", { href: "#", "data-artifact": a.name, onclick: event => { event.preventDefault(); download(`/v1/jobs/${jobId}/artifacts/${a.name}`, a.name.split("/").pop()).catch(failure => { actionError.textContent = failure.message; }); } }, a.name),
      h("span", { class: "muted" }, ` · ${a.kind} · ${bytes(a.bytes)}`))));
    if (files.data.length === 0) artifacts.append(h("li", { class: "muted" }, "none yet"));
  }
  await refresh();

  let lastSeq = 0;
  let refreshing = null, again = false, behind = [];
  // One refresh at a time; an event that arrives during one asks for another after it. The worker appends a job's
  // status and final events (paused, completed, cancelled, failed for good) just before it updates the job row, so
  // while the row still shows a state the latest such event left behind the page asks again shortly.
  function refreshSoon() {
    if (refreshing) { again = true; return; }
    refreshing = refresh().catch(() => {}).finally(() => {
      refreshing = null;
      if (again) { again = false; refreshSoon(); }
      else if (behind.includes(current.status)) setTimeout(refreshSoon, 500);
    });
  }
  function onEvent(eventJobId, event) {
    if (eventJobId !== jobId || event.seq <= lastSeq) return; // a replay overlapping what we hold
    lastSeq = event.seq;
    seqs.push(event.seq);
    const p = event.payload ?? {};
    if (event.type === "step") {
      steps.push(p.step);
      byName.loss.add(p.step, p.loss);
      byName.lr.add(p.step, p.lr);
      byName.tokens.add(p.step, p.tokens_per_second);
      byName.grad.add(p.step, p.grad_norm);
      byName.epsilon?.add(p.step, p.epsilon, current.privacy?.target_epsilon);
    } else if (event.type === "eval") {
      byName.eval.add(p.step, p.eval_loss);
    } else {
      // Status, checkpoint and completion events change the facts, checkpoints and artifacts: fetch them again.
      if (event.type === "status") behind = leftBehind[p.status] ?? [];
      else if (event.type === "completed" || event.type === "failed") behind = event.type === "failed" && p.retrying ? [] : unfinished;
      refreshSoon();
    }
    log.prepend(h("tr", {}, h("td", { class: "muted" }, event.seq), h("td", {}, event.type), h("td", {}, summary(event.type, p))));
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/jobs", { accessTokenFactory: () => session.key })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: () => 1000 })
    .configureLogging(signalR.LogLevel.None)
    .build();
  connection.on("event", onEvent);
  const subscribe = () => connection.invoke("Subscribe", jobId, lastSeq);
  connection.onreconnected(() => subscribe().catch(() => connection.stop()));
  let stopped = false;
  // Automatic reconnect gives up only when told to; keep trying so a long API restart is ridden out too.
  connection.onclose(() => { if (!stopped) setTimeout(start, 1000); });
  async function start() {
    if (stopped) return;
    try {
      await connection.start();
      await subscribe();
    } catch {
      if (connection.state === signalR.HubConnectionState.Connected) await connection.stop(); // onclose retries
      else setTimeout(start, 1000);
    }
  }
  await start();
  return () => { stopped = true; connection.stop(); };
}

function summary(type, p) {
  if (type === "step") return `step ${p.step}/${p.total_steps ?? "?"} · loss ${number(p.loss, 4)} · lr ${number(p.lr)} · ${number(p.tokens_per_second)} tok/s${p.epsilon != null ? ` · ε ${number(p.epsilon)}` : ""}`;
  if (type === "eval") return `step ${p.step} · eval loss ${number(p.eval_loss, 4)}`;
  if (type === "status") return p.status + (p.step != null ? ` at step ${p.step}` : "") + (p.checkpoint_step != null ? ` · resumes after step ${p.checkpoint_step}` : "");
  if (type === "checkpoint") return `step ${p.step} · ${bytes(p.size_bytes)}`;
  if (type === "log") return p.message;
  if (type === "failed") return p.error;
  if (type === "completed") return `${(p.artifacts ?? []).length} files stored`;
  return JSON.stringify(p).slice(0, 140);
}

function bytes(count) {
  if (count == null) return "–";
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = count, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

function showFacts(facts, job) {
  const fact = (label, value) => h("div", {}, h("span", {}, label), value);
  const progress = job.progress ? `${job.progress.step} / ${job.progress.total_steps ?? "?"}` : "–";
  const elapsed = job.started_at ? (job.finished_at ?? Date.now() / 1000) - job.started_at : null;
  facts.replaceChildren(fact("Status", statusBadge(job.status)), fact("Model", job.model), fact("Backend", job.backend), fact("Progress", progress),
    fact("Trained tokens", job.trained_tokens ?? "–"), fact("Tokens/s", job.trained_tokens && elapsed > 0 ? Math.round(job.trained_tokens / elapsed) : "–"),
    fact("ETA", job.estimated_finish && !finished.includes(job.status) ? duration(job.estimated_finish - Date.now() / 1000) : "–"),
    fact("Attempt", job.attempt ?? "–"));
  if (job.privacy) {
    if (job.privacy.differential_privacy === false) {
      facts.append(fact("Differential privacy", "off"));
    } else {
      const target = job.privacy.target_epsilon != null ? number(job.privacy.target_epsilon) : "none (fixed σ)";
      facts.append(fact("ε spent / target", h("span", { id: "epsilon-spent" }, `${number(job.privacy.epsilon_spent)} / ${target}`)),
        fact("δ", String(job.privacy.delta)), fact("σ", number(job.privacy.noise_multiplier)), fact("Accountant", job.privacy.accountant));
    }
    // The audit's bound is measured when the job succeeds; until then its canaries are all there is to show.
    const audit = job.privacy.audit;
    facts.append(fact("ε audit lower bound", h("span", { id: "epsilon-audit" }, !audit ? "not audited"
      : audit.epsilon_lower_bound != null ? `${number(audit.epsilon_lower_bound)} (${audit.correct} of ${audit.guesses} guesses, 95%)`
      : `pending (${audit.canaries} canaries)`)));
  }
  if (job.error) facts.append(h("div", { class: "span-all" }, h("span", {}, "Error"), h("span", { class: "error" }, job.error.message)));
  if (job.warnings?.length) facts.append(h("div", { class: "span-all" }, h("span", {}, "Warnings"), job.warnings.join("; ")));
}
