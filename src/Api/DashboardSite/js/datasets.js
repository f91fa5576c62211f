// Datasets: the list, and a preview of the first examples as the trainer sees them with a chosen model (rendered
// through its chat template; the loss-masked prompt set apart from the trained reply), with record and token counts.
import { api } from "./api.js";
import { h } from "./dom.js";

export async function renderDatasets(view) {
  const [datasets, models] = await Promise.all([api("/v1/datasets?limit=100"), api("/v1/models")]);
  const model = h("select", { id: "preview-model", onchange: () => selected && preview(selected) }, models.data.map(m => h("option", { value: m.name }, m.name)));
  const output = h("div", { id: "preview" }, h("p", { class: "muted" }, "Pick a dataset to see its first examples as the trainer sees them."));
  let selected = null;

  async function preview(datasetId) {
    selected = datasetId;
    rows.forEach(row => row.classList.toggle("selected", row.dataset.id === datasetId));
    output.replaceChildren(h("p", { class: "muted" }, "Rendering…"));
    try {
      const answer = await api(`/v1/datasets/${datasetId}/preview?model=${encodeURIComponent(model.value)}&limit=5`);
      output.replaceChildren(renderPreview(answer));
    } catch (failure) {
      output.replaceChildren(h("p", { class: "error" }, failure.message));
    }
  }

  const rows = datasets.data.map(d => h("tr", { "data-id": d.id, class: "clickable", onclick: () => preview(d.id) },
    h("td", {}, d.name), h("td", {}, d.format ?? "–"), h("td", {}, d.records ?? "–"), h("td", {}, d.bytes),
    h("td", {}, new Date(d.created_at * 1000).toLocaleString())));
  const body = h("tbody", {}, rows);
  if (rows.length === 0) body.append(h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No datasets yet: upload one from New job.")));
  view.replaceChildren(
    h("div", { class: "card" }, h("h1", {}, "Datasets"), h("table", { id: "datasets" },
      h("thead", {}, h("tr", {}, ["Name", "Format", "Records", "Bytes", "Uploaded"].map(t => h("th", {}, t)))), body)),
    h("div", { class: "card" }, h("div", { class: "row" }, h("h2", {}, "Preview"), h("label", { class: "inline" }, "Model ", model)), output));
}

function renderPreview(answer) {
  const counted = answer.counted_examples === answer.examples ? `all ${answer.examples} examples` : `the first ${answer.counted_examples} of ${answer.examples} examples`;
  const stats = h("p", { id: "preview-counts" },
    h("strong", {}, `${answer.records} records`), ` · ${answer.examples} examples · `,
    h("strong", {}, `${answer.tokens.toLocaleString()} tokens`), `, ${answer.trained_tokens.toLocaleString()} trained (${counted}) · format ${answer.format} · template ${answer.chat_template}`);
  const legend = h("p", { class: "legend" }, h("span", { class: "seg masked" }, "prompt: no loss"), " ", h("span", { class: "seg trained" }, "trained on"));
  const examples = answer.data.map(example => h("div", { class: "example" },
    h("div", { class: "muted small" }, `record ${example.record_index} · line ${example.line} · ${example.tokens} tokens, ${example.trained_tokens} trained`),
    h("pre", { class: "record" }, example.segments.map(s => h("span", { class: `seg ${s.trained ? "trained" : "masked"}`, title: `${s.tokens} tokens, ${s.trained ? "trained" : "masked"}` }, s.text)))));
  return h("div", {}, stats, legend, examples);
}
