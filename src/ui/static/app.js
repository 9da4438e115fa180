// The dashboard: a hash router over the pages, and live updates. The server sends a `change` event (SSE)
// whenever the store changes; the current page then loads its data again and is redrawn in place, without a
// reload. A redraw waits while the user types in a text field of the page.
/* global document, window, location, EventSource, URLSearchParams */

import { h, replace } from "./dom.js";
import { breakersPage } from "./page-breakers.js";
import { dlqPage } from "./page-dlq.js";
import { runPage } from "./page-run.js";
import { runsPage } from "./page-runs.js";
import { waitingPage } from "./page-waiting.js";

const main = document.getElementById("main");
const PAGES = { runs: runsPage, waiting: waitingPage, dlq: dlqPage, breakers: breakersPage };
let generation = 0;
let deferred = false;

function route() {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const parts = (path || "/runs").split("/").filter(Boolean);
  const params = new URLSearchParams(query ?? "");
  if (parts[0] === "run" && parts[1]) {
    params.set("id", decodeURIComponent(parts[1]));
    return { page: runPage, params };
  }
  return { page: PAGES[parts[0]] ?? runsPage, params };
}

async function show(live) {
  const { page, params } = route();
  const mine = ++generation;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.page === (page === runPage ? "runs" : page.name));
  try {
    const data = await page.load(params);
    if (mine !== generation) return;
    const scroll = window.scrollY;
    replace(main, page.render(data, params));
    if (live) window.scrollTo(0, scroll);
    document.title = page === runPage ? `${data.workflow} ${data.status} · steplog` : `${page.name} · steplog`;
  } catch (error) {
    if (mine !== generation) return;
    replace(main, h("section", { class: "page" }, h("p", { class: "error" }, error.message)));
  }
}

function typing() {
  const el = document.activeElement;
  return main.contains(el) && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text"));
}

function liveUpdate() {
  if (typing()) {
    deferred = true;
    return;
  }
  void show(true);
}

document.addEventListener("focusout", () => {
  setTimeout(() => {
    if (deferred && !typing()) {
      deferred = false;
      void show(true);
    }
  }, 0);
});

function connect() {
  const indicator = document.getElementById("live");
  const events = new EventSource("/api/events");
  events.addEventListener("open", () => {
    indicator.className = "live live-on";
    indicator.title = "live updates: on";
  });
  events.addEventListener("error", () => {
    indicator.className = "live live-off";
    indicator.title = "live updates: reconnecting";
  });
  events.addEventListener("change", liveUpdate);
}

window.addEventListener("hashchange", () => void show(false));
connect();
void show(false);
