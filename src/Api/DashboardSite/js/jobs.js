// The jobs list: status, model, backend, progress, tokens/s, ETA and ε for DP jobs; filter by status.
import { api } from "./api.js";
import { h, number, duration, statusBadge } from "./dom.js";

// The states GET /v1/jobs?status= takes, as jobs show them (a running job whose pause was asked for is pausing).
const statuses = ["", "queued", "running", "pausing", "cancelling", "paused", "succeeded", "failed", "cancelled", "validating_files"];

export async function renderJobs(view) {
  const filter = h("select", { id: "status-filter", onchange: () => load() }, statuses.map(s => h("option", { value: s }, s || "all statuses")));
  const body = h("tbody");
  view.replaceChildren(h("div", { class: "card" },
    h("div", { style: "display:flex;justify-content:space-between;align-items:center" }, h("h1", {}, "Jobs"), h("div", { style: "width:200px" }, filter)),
    h("table", { id: "jobs" }, h("thead", {}, h("tr", {}, ["Job", "Status", "Model", "Backend", "Progress", "Tokens/s", "ETA", "ε spent / budget"].map(t => h("th", {}, t)))), body)));

  async function load() {
    const query = filter.value ? `&status=${filter.value}` : "";
    const jobs = await api(`/v1/jobs?limit=100${query}`);
    body.replaceChildren(...jobs.data.map(row));
    if (jobs.data.length === 0) body.append(h("tr", {}, h("td", { colspan: 8, class: "muted" }, "No jobs yet.")));
  }
  await load();
}

function row(job) {
  const progress = job.progress ? `${job.progress.step}/${job.progress.total_steps ?? "?"} (${Math.round(job.progress.percent ?? 0)}%)` : "–";
  const eta = job.estimated_finish ? duration(job.estimated_finish - Date.now() / 1000) : "–";
  const elapsed = job.started_at ? (job.finished_at ?? Date.now() / 1000) - job.started_at : null;
  const tokensPerSecond = job.trained_tokens && elapsed > 0 ? Math.round(job.trained_tokens / elapsed) : "–";
  const privacy = job.privacy ? `${number(job.privacy.epsilon_spent)} / ${number(job.privacy.target_epsilon)}` : "–";
  return h("tr", {}, h("td", {}, h("a", { href: `#/jobs/${job.id}` }, job.id.slice(0, 8))), h("td", {}, statusBadge(job.status)),
    h("td", {}, job.model), h("td", {}, job.backend), h("td", {}, progress), h("td", {}, tokensPerSecond), h("td", {}, eta), h("td", {}, privacy));
}
