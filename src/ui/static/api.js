// Talking to the dashboard's server: JSON reads, and actions that carry the page's token.
/* global document */

const token = document.querySelector('meta[name="steplog-token"]').content;

/** GETs JSON from the API; rejects with the server's message. */
export async function getJson(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  return answer(res);
}

/** POSTs an action with a JSON body and the token; rejects with the server's message. */
export async function postAction(path, body = {}) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Steplog-Token": token },
    body: JSON.stringify(body),
  });
  return answer(res);
}

async function answer(res) {
  let body;
  try {
    body = await res.json();
  } catch {
    throw new Error(`${res.status} ${res.statusText}`);
  }
  if (!res.ok) {
    const error = new Error(body && typeof body.error === "string" ? body.error : `${res.status} ${res.statusText}`);
    error.status = res.status;
    throw error;
  }
  return body;
}
