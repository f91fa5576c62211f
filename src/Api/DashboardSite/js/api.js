// REST calls to the service with the signed-in key. The key lives in sessionStorage: it leaves with the tab.
const keyName = "finetune.apiKey";

export const session = {
  get key() { return sessionStorage.getItem(keyName); },
  signIn(key) { sessionStorage.setItem(keyName, key); },
  signOut() { sessionStorage.removeItem(keyName); },
};

/** An error answered by the service, carrying its problem+json body. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Calls the API; JSON bodies in and out, problem+json errors thrown as ApiError. */
export async function api(path, { method = "GET", json, body } = {}) {
  const headers = { Authorization: `Bearer ${session.key}` };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const response = await fetch(path, { method, headers, body });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: `HTTP ${response.status}: ${text.slice(0, 200)}` }; // a proxy's HTML error page, say
  }
  if (!response.ok) {
    throw new ApiError(response.status, data);
  }
  return data;
}

/** Downloads an artifact with the key (a plain link could not send the header). */
export async function download(path, fileName) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${session.key}` } });
  if (!response.ok) {
    throw new ApiError(response.status, null);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download before the browser has read the blob.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
