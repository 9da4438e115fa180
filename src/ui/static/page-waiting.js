// Runs waiting for an event (with the form that sends it) or sleeping until a wake time.

import { getJson } from "./api.js";
import { badge, h } from "./dom.js";
import { eventForm } from "./event-form.js";
import { formatTime, relative } from "./format.js";

export const waitingPage = {
  name: "waiting",
  load: () => getJson("/api/waiting"),
  render(runs) {
    return h(
      "section",
      { class: "page" },
      h("div", { class: "toolbar" }, h("h1", {}, "Waiting runs")),
      runs.length === 0 ? h("p", { class: "empty" }, "No run is waiting for an event or sleeping.") : h("div", { class: "cards", id: "waiting" }, runs.map(card)),
    );
  },
};

function card(run) {
  const { wait } = run;
  return h(
    "article",
    { class: "card", dataset: { runId: run.runId } },
    h(
      "header",
      {},
      badge(run.status),
      h("a", { class: "mono", href: `#/run/${run.runId}` }, run.runId),
      h("span", { class: "muted" }, ` ${run.workflow} · key ${run.key}`),
    ),
    wait.kind === "event"
      ? h(
          "p",
          {},
          "waits for event ",
          h("b", { class: "mono event-name" }, wait.event ?? ""),
          wait.since ? ` since ${formatTime(wait.since)}` : "",
          wait.until !== null ? `, times out ${relative(wait.until)}` : "",
          run.pendingEvents.length > 0 ? h("span", { class: "note" }, ` (delivered, not consumed yet: ${run.pendingEvents.join(", ")})`) : null,
        )
      : h("p", {}, "sleeps until ", h("b", {}, formatTime(wait.until)), ` (${relative(wait.until)})`),
    wait.kind === "event" ? eventForm(run) : null,
  );
}
