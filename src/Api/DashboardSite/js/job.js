// A job's page, live over the jobs hub: charts, event log, checkpoints, artifacts, cancel. The hub is subscribed with
// the last seq this page holds, after every reconnect, so a restart or a dropped network leaves no gap and no duplicate.
/* global signalR */
import { api, download, session } from "./api.js";
import { h, number, duration, statusBadge } from "./dom.js";
import { MetricChart } from "./chart.js";

export async function renderJob(view, jobId) {
  const job = await api(`/v1/jobs/${jobId}`);
  const facts = h("div", { class: "facts", id: "facts" });
  const charts = h("div", { class: "grid" });
  const log = h("table", { class: "log", id: "event-log" });
  const checkpoints = h("ul", { id: "checkpoints" });
  const artifacts = h("ul", { id: "artifacts" });
  const cancel = h("button", { id: "cancel", class: "danger", onclick: async () => { await api(`/v1/jobs/${jobId}/cancel`, { method: "POST" }); await refresh(); } }, "Cancel");
  view.replaceChildren(
    h("div", { class: "card" }, h("div", { style: "display:flex;justify-content:space-between" }, h("h1", {}, `Job ${jobId}`), cancel), facts),
    charts,
    h("div", { class: "grid" }, h("div", { class: "card" }, h("h2", {}, "Events"), log),
      h("div", { class: "card" }, h("h2", {}, "Checkpoints"), checkpoints, h("h2", {}, "Artifacts"), artifacts)));

  const chart = (title, ...labels) => { const box = h("div", { class: "card chart", "data-chart": title }); charts.append(box); return new MetricChart(box, title, labels); };
  const loss = chart("Training loss", "train");
  const evalLoss = chart("Eval loss", "eval");
  const lr = chart("Learning rate", "lr");
  const speed = chart("Tokens/s", "tokens/s");
  const gradNorm = chart("Grad norm", "grad norm");
  const epsilon = job.privacy ? chart("ε spent vs target", "ε", "target") : null;
  window.finetuneJobPage = { loss, seqs: [] }; // read by the browser tests: points and seqs seen

  let current = job;
  async function refresh() {
    current = await api(`/v1/jobs/${jobId}`);
    showFacts(facts, current);
    cancel.hidden = ["succeeded", "failed", "cancelled", "cancelling"].includes(current.status);
    const [points, files] = await Promise.all([api(`/v1/jobs/${jobId}/checkpoints`), api(`/v1/jobs/${jobId}/artifacts`)]);
    checkpoints.replaceChildren(...points.data.map(c => h("li", {}, `step ${c.step} (attempt ${c.attempt})`)));
    artifacts.replaceChildren(...files.data.map(a => h("li", {}, h("a", { href: "#", onclick: event => { event.preventDefault(); download(`/v1/jobs/${jobId}/artifacts/${a.name}`, a.name.split("/").pop()); } }, a.name), ` ${a.kind}, ${a.bytes} bytes`)));
    if (files.data.length === 0) artifacts.append(h("li", { class: "muted" }, "none yet"));
  }
  await refresh();

  let lastSeq = 0;
  function onEvent(eventJobId, event) {
    if (eventJobId !== jobId || event.seq <= lastSeq) return; // a replay overlapping what we hold
    lastSeq = event.seq;
    window.finetuneJobPage.seqs.push(event.seq);
    const p = event.payload ?? {};
    if (event.type === "step") {
      loss.add(p.step, p.loss);
      lr.add(p.step, p.lr);
      speed.add(p.step, p.tokens_per_second);
      gradNorm.add(p.step, p.grad_norm);
      if (epsilon) epsilon.add(p.step, p.epsilon, current.privacy?.target_epsilon);
    } else if (event.type === "eval") {
      evalLoss.add(p.step, p.loss);
    }
    if (event.type !== "step") refresh();
    log.prepend(h("tr", {}, h("td", {}, event.seq), h("td", {}, event.type), h("td", {}, JSON.stringify(p).slice(0, 140))));
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/jobs", { accessTokenFactory: () => session.key })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: () => 1000 })
    .configureLogging(signalR.LogLevel.None)
    .build();
  connection.on("event", onEvent);
  const subscribe = () => connection.invoke("Subscribe", jobId, lastSeq);
  connection.onreconnected(subscribe);
  let stopped = false;
  // Automatic reconnect gives up only when told to; keep trying so a long API restart is ridden out too.
  connection.onclose(() => { if (!stopped) setTimeout(start, 1000); });
  async function start() {
    if (stopped) return;
    try { await connection.start(); await subscribe(); } catch { setTimeout(start, 1000); }
  }
  await start();
  return () => { stopped = true; connection.stop(); };
}

function showFacts(facts, job) {
  const fact = (label, value) => h("div", {}, h("span", {}, label), value);
  const progress = job.progress ? `${job.progress.step} / ${job.progress.total_steps ?? "?"}` : "–";
  facts.replaceChildren(fact("Status", statusBadge(job.status)), fact("Model", job.model), fact("Backend", job.backend), fact("Progress", progress),
    fact("Trained tokens", job.trained_tokens ?? "–"), fact("ETA", job.estimated_finish ? duration(job.estimated_finish - Date.now() / 1000) : "–"));
  if (job.privacy) {
    if (job.privacy.differential_privacy === false) {
      facts.append(fact("Differential privacy", "off"));
    } else {
      facts.append(fact("ε spent / target", `${number(job.privacy.epsilon_spent)} / ${number(job.privacy.target_epsilon)}`),
        fact("δ", String(job.privacy.delta)), fact("Accountant", job.privacy.accountant));
    }
    // The audit's bound is measured when the job succeeds; until then its canaries are all there is to show.
    const audit = job.privacy.audit;
    facts.append(fact("ε audit lower bound", !audit ? "not audited"
      : audit.epsilon_lower_bound != null ? `${number(audit.epsilon_lower_bound)} (${audit.correct} of ${audit.guesses} guesses, 95%)`
      : `pending (${audit.canaries} canaries)`));
  }
  if (job.error) facts.append(fact("Error", h("span", { class: "error" }, job.error.message)));
}
