// The dead-letter queue: steps that failed for good, their errors, and a redrive button that re-runs the run's
// script (as `steplog dlq redrive` does).

import { getJson, postAction } from "./api.js";
import { badge, h, toast } from "./dom.js";
import { formatTime } from "./format.js";
import { errorView } from "./error-view.js";

export const dlqPage = {
  name: "dlq",
  load: () => getJson("/api/dlq"),
  render(entries) {
    return h(
      "section",
      { class: "page" },
      h("div", { class: "toolbar" }, h("h1", {}, "Dead letters")),
      entries.length === 0
        ? h("p", { class: "empty" }, "The dead-letter queue is empty.")
        : h("div", { class: "cards", id: "dlq" }, entries.map(entryCard)),
    );
  },
};

function entryCard(e) {
  const redrive = async (event) => {
    event.target.disabled = true;
    try {
      const answer = await postAction(`/api/dlq/${e.id}/redrive`);
      toast(`redriving: ${answer.command}`);
    } catch (error) {
      event.target.disabled = false;
      toast(error.message, "error");
    }
  };
  return h(
    "article",
    { class: "card", dataset: { entryId: e.id } },
    h(
      "header",
      {},
      badge(e.status),
      h("strong", { class: "step-name" }, e.stepKey),
      h("span", { class: "muted" }, ` in ${e.workflow}`),
      h("span", { class: "spacer" }),
      e.status === "open" ? h("button", { class: "primary", type: "button", onclick: redrive }, "Redrive") : null,
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "run"), h("dd", {}, h("a", { class: "mono", href: `#/run/${e.runId}` }, e.runId)),
      h("dt", {}, "key"), h("dd", { class: "mono" }, e.key),
      h("dt", {}, "attempts"), h("dd", {}, `${e.attempts}${e.reruns > 0 ? `, failed again in ${e.reruns} rerun${e.reruns === 1 ? "" : "s"}` : ""}`),
      h("dt", {}, "first / last"), h("dd", {}, `${formatTime(e.firstAt)} / ${formatTime(e.lastAt)}`),
      h("dt", {}, "entry"), h("dd", { class: "mono" }, e.id),
    ),
    errorView(e.error),
  );
}
