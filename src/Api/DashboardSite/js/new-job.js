// The new-job form: dataset upload (errors per line), model, backend with its options form, hyperparameters with
// "auto", DP settings with a live privacy calculator answered by the service's accountant, submit.
import { api, ApiError, session } from "./api.js";
import { h, number } from "./dom.js";
import { schemaForm } from "./schema-form.js";

const dpLabels = { noise_multiplier: "noise multiplier σ", expected_batch_size: "expected batch size", steps: "steps (for the calculator)",
  delta: "δ", max_grad_norm: "clipping norm C" };

export async function renderNewJob(view) {
  const [models, backends, datasets] = await Promise.all([api("/v1/models"), api("/v1/backends"), api("/v1/datasets?limit=100")]);
  const field = (label, input) => h("label", {}, label, input);

  const file = h("input", { id: "dataset-file", type: "file", accept: ".jsonl,.json,.csv" });
  const uploadErrors = h("ul", { class: "error", id: "upload-errors" });
  const dataset = h("select", { id: "dataset" }, datasets.data.map(d => h("option", { value: d.id }, `${d.name} (${d.records ?? "?"} records)`)));
  const upload = h("button", { type: "button", id: "upload", onclick: async () => {
    uploadErrors.replaceChildren();
    if (!file.files[0]) {
      uploadErrors.replaceChildren(h("li", {}, "Choose a file first."));
      return;
    }
    const form = new FormData();
    form.append("file", file.files[0]);
    try {
      const created = await api("/v1/datasets", { method: "POST", body: form });
      dataset.prepend(h("option", { value: created.id, selected: true }, `${created.name} (${created.records ?? "?"} records)`));
      dataset.value = created.id;
      dataset.dispatchEvent(new Event("change"));
    } catch (failure) {
      const errors = failure.problem?.errors;
      if (Array.isArray(errors)) uploadErrors.replaceChildren(...errors.map(e => h("li", {}, `line ${e.line ?? "?"}${e.field ? `, ${e.field}` : ""}: ${e.message}`)));
      else uploadErrors.replaceChildren(h("li", {}, failure.message));
    }
  } }, "Upload");

  const model = h("select", { id: "model" }, models.data.map(m => h("option", { value: m.name }, m.name)));
  const backendOptions = h("div", { id: "backend-options" });
  let readOptions = () => ({});
  const backend = h("select", { id: "backend", onchange: () => showOptions() }, backends.data.map(b => h("option", { value: b.name }, `${b.name}${b.live_workers ? "" : " (no live worker)"}`)));
  // Start on a backend that a live worker offers (a GPU one when there is one), else the first.
  backend.value = (backends.data.filter(b => b.live_workers > 0).at(-1) ?? backends.data[0])?.name ?? "";
  function showOptions() {
    const chosen = backends.data.find(b => b.name === backend.value);
    const form = schemaForm(chosen.options_schema);
    readOptions = form.read;
    backendOptions.replaceChildren(form.element);
  }
  showOptions();

  const hyper = Object.fromEntries(["n_epochs", "steps", "batch_size", "learning_rate"].map(name => [name, h("input", { id: `hp-${name}`, placeholder: "auto" })]));
  // Settings with a fixed default rather than "auto": left empty, the service's default applies.
  const optional = Object.fromEntries(["max_seq_len", "eval_every", "save_every"].map(name => [name, h("input", { id: `hp-${name}`, placeholder: "default" })]));

  const dp = h("input", { id: "dp-enabled", type: "checkbox", style: "width:auto" });
  const targetEpsilon = h("input", { id: "dp-target", placeholder: "none: train with the σ below" });
  const dpFields = { noise_multiplier: h("input", { id: "dp-sigma", value: "1.0" }), expected_batch_size: h("input", { id: "dp-batch", value: "8" }),
    steps: h("input", { id: "dp-steps", value: "100" }), delta: h("input", { id: "dp-delta", value: "1e-5" }), max_grad_norm: h("input", { id: "dp-clip", value: "1.0" }) };
  const accountant = h("select", { id: "dp-accountant" }, ["rdp", "prv", "gdp"].map(a => h("option", { value: a }, a)));
  const epsilonOut = h("strong", { id: "dp-epsilon" }, "–");
  let calculation = 0;
  let pending;
  // One request once typing pauses, and none for a half-typed field (an empty or partial number is not a question
  // for the accountant; the service still answers 422 with the field for values out of its range).
  function calculate() {
    clearTimeout(pending);
    pending = setTimeout(askAccountant, 250);
  }
  async function askAccountant() {
    const mine = ++calculation;
    const records = Number(dataset.selectedOptions[0]?.textContent.match(/\((\d+) records\)/)?.[1]);
    const question = { noise_multiplier: Number(dpFields.noise_multiplier.value), expected_batch_size: Number(dpFields.expected_batch_size.value),
      dataset_size: records || undefined, steps: Number(dpFields.steps.value), delta: Number(dpFields.delta.value), accountant: accountant.value };
    const unfinished = ["noise_multiplier", "expected_batch_size", "steps", "delta"].filter(name => !(question[name] > 0));
    if (!records) unfinished.unshift("a dataset");
    if (unfinished.length > 0) {
      epsilonOut.textContent = `enter ${unfinished.join(", ")}`;
      return;
    }
    if (question.expected_batch_size > records) {
      epsilonOut.textContent = `the expected batch (${question.expected_batch_size}) exceeds the dataset's ${records} records`;
      return;
    }
    try {
      const answer = await api("/v1/privacy/epsilon", { method: "POST", json: question });
      if (mine === calculation) epsilonOut.textContent = `ε = ${number(answer.epsilon, 4)} at δ = ${answer.delta} (q = ${number(answer.sample_rate)})`;
    } catch (failure) {
      if (mine === calculation) epsilonOut.textContent = failure.message;
    }
  }
  [...Object.values(dpFields), accountant, dataset].forEach(input => input.addEventListener("input", calculate));
  hyper.steps.addEventListener("input", () => {
    if (Number(hyper.steps.value) > 0) { dpFields.steps.value = hyper.steps.value; calculate(); }
  });
  dataset.addEventListener("change", calculate);

  const submitError = h("p", { class: "error", id: "submit-error" });
  const submit = h("button", { id: "submit", type: "button", onclick: async () => {
    submitError.textContent = "";
    const hyperparameters = {};
    for (const [name, input] of Object.entries(hyper)) hyperparameters[name] = input.value.trim() === "" || input.value.trim() === "auto" ? "auto" : Number(input.value);
    if (hyperparameters.steps === "auto") delete hyperparameters.steps;
    for (const [name, input] of Object.entries(optional)) if (input.value.trim() !== "") hyperparameters[name] = Number(input.value);
    const body = { model: model.value, training_file: dataset.value, backend: backend.value, backend_options: readOptions(), hyperparameters };
    if (dp.checked) {
      body.privacy = { delta: Number(dpFields.delta.value), max_grad_norm: Number(dpFields.max_grad_norm.value),
        expected_batch_size: Number(dpFields.expected_batch_size.value), accountant: accountant.value };
      // A target ε has the service calibrate σ to it; without one, σ is fixed and ε is whatever it comes to.
      if (targetEpsilon.value.trim() !== "") body.privacy.target_epsilon = Number(targetEpsilon.value);
      else body.privacy.noise_multiplier = Number(dpFields.noise_multiplier.value);
    }
    try {
      const job = await api("/v1/jobs", { method: "POST", json: body });
      location.hash = `#/jobs/${job.id}`;
    } catch (failure) {
      const errors = failure instanceof ApiError && failure.problem?.errors;
      submitError.textContent = errors && !Array.isArray(errors) ? Object.entries(errors).map(([k, v]) => `${k}: ${v.join(", ")}`).join("; ") : failure.message;
    }
  } }, "Start training");

  view.replaceChildren(h("h1", {}, "New fine-tuning job"), h("div", { class: "grid" },
    h("div", { class: "card" }, h("h2", {}, "Dataset"), field("Upload JSONL, JSON or CSV", file), upload, uploadErrors, field("Training file", dataset)),
    h("div", { class: "card" }, h("h2", {}, "Model and backend"), field("Model", model), field("Backend", backend), backendOptions),
    h("div", { class: "card" }, h("h2", {}, "Hyperparameters"), ...Object.entries(hyper).map(([name, input]) => field(`${name} (number or auto)`, input)),
      ...Object.entries(optional).map(([name, input]) => field(name, input))),
    h("div", { class: "card" }, h("h2", {}, "Differential privacy"), h("label", { class: "check" }, dp, " Train with DP-SGD"), field("target ε", targetEpsilon),
      ...Object.entries(dpFields).map(([name, input]) => field(dpLabels[name], input)), field("accountant", accountant),
      h("p", { class: "calculator" }, "Privacy calculator: ", epsilonOut))),
  h("div", { class: "card" }, submit, submitError));
  if (session.key) calculate();
}
