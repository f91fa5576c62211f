// The dashboard's router: #/jobs, #/jobs/{id}, #/new, #/datasets; sign-in first when no key is held.
import { session, api } from "./api.js";
import { h } from "./dom.js";
import { renderJobs } from "./jobs.js";
import { renderJob } from "./job.js";
import { renderNewJob } from "./new-job.js";
import { renderDatasets } from "./datasets.js";

const view = document.getElementById("view");
let leave = () => {};

function renderSignIn() {
  const key = h("input", { id: "api-key", type: "password", placeholder: "ft_...", autocomplete: "off" });
  const error = h("p", { class: "error", id: "sign-in-error" });
  const form = h("form", { class: "card signin", onsubmit: async event => {
    event.preventDefault();
    session.signIn(key.value.trim());
    try {
      await api("/v1/jobs?limit=1");
      route();
    } catch (failure) {
      session.signOut();
      error.textContent = failure.status === 401 ? "That API key is not valid." : failure.message;
    }
  } }, h("h1", {}, "Sign in to FineTune"), h("label", {}, "API key", key), error, h("button", { id: "sign-in", type: "submit" }, "Sign in"));
  view.replaceChildren(form);
}

async function route() {
  leave();
  leave = () => {};
  document.getElementById("nav").hidden = !session.key;
  if (!session.key) return renderSignIn();
  const [, page, id] = (location.hash || "#/jobs").split("/");
  try {
    if (page === "jobs" && id) leave = await renderJob(view, id) || leave;
    else if (page === "new") await renderNewJob(view);
    else if (page === "datasets") await renderDatasets(view);
    else await renderJobs(view);
  } catch (failure) {
    if (failure.status === 401) { session.signOut(); return renderSignIn(); }
    view.replaceChildren(h("p", { class: "error" }, failure.message));
  }
}

document.getElementById("sign-out").addEventListener("click", () => { session.signOut(); location.hash = "#/jobs"; route(); });
window.addEventListener("hashchange", route);
route();
