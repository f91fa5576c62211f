// Datasets: name, format, record count, size and when uploaded.
import { api } from "./api.js";
import { h } from "./dom.js";

export async function renderDatasets(view) {
  const datasets = await api("/v1/datasets?limit=100");
  view.replaceChildren(h("div", { class: "card" }, h("h1", {}, "Datasets"), h("table", { id: "datasets" },
    h("thead", {}, h("tr", {}, ["Name", "Format", "Records", "Bytes", "Uploaded"].map(t => h("th", {}, t)))),
    h("tbody", {}, datasets.data.map(d => h("tr", {}, h("td", {}, d.name), h("td", {}, d.format ?? "–"), h("td", {}, d.records ?? "–"),
      h("td", {}, d.bytes), h("td", {}, new Date(d.created_at * 1000).toLocaleString())))))));
}
