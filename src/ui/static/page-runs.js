// The runs page: runs newest first, filtered by workflow and status, with live counts per status.
/* global location, URLSearchParams */

import { getJson } from "./api.js";
import { badge, h } from "./dom.js";
import { formatMs, formatTime } from "./format.js";

const STATUSES = ["running", "waiting", "completed", "failed", "cancelled"];

export const runsPage = {
  name: "runs",
  load(params) {
    const query = new URLSearchParams();
    if (params.get("workflow")) query.set("workflow", params.get("workflow"));
    if (params.get("status")) query.set("status", params.get("status"));
    return getJson(`/api/runs?${query}`);
  },
  render(data, params) {
    const workflow = params.get("workflow") ?? "";
    const status = params.get("status") ?? "";
    const link = (changes) => {
      const next = new URLSearchParams(params);
      for (const [k, v] of Object.entries(changes)) {
        if (v) next.set(k, v);
        else next.delete(k);
      }
      const q = next.toString();
      return `#/runs${q ? `?${q}` : ""}`;
    };
    const all = STATUSES.reduce((n, s) => n + data.counts[s], 0);
    const select = h(
      "select",
      { id: "workflow-filter", "aria-label": "workflow", onchange: (e) => (location.hash = link({ workflow: e.target.value })) },
      h("option", { value: "" }, "all workflows"),
      data.workflows.map((w) => h("option", { value: w, selected: w === workflow }, w)),
    );
    const chips = h(
      "div",
      { class: "chips", role: "group", "aria-label": "status" },
      h("a", { class: `chip${status === "" ? " chip-on" : ""}`, href: link({ status: "" }) }, "all ", h("b", { class: "count" }, String(all))),
      STATUSES.map((s) =>
        h("a", { class: `chip chip-${s}${status === s ? " chip-on" : ""}`, href: link({ status: s }), dataset: { status: s } }, `${s} `, h("b", { class: "count" }, String(data.counts[s]))),
      ),
    );
    const rows = data.runs.map((r) =>
      h(
        "tr",
        { dataset: { runId: r.runId } },
        h("td", {}, h("a", { class: "mono", href: `#/run/${r.runId}` }, r.runId)),
        h("td", {}, r.workflow),
        h("td", { class: "mono" }, r.key),
        h("td", {}, badge(r.status)),
        h("td", {}, formatTime(r.startedAt)),
        h("td", { class: "num" }, r.status === "running" || r.status === "waiting" ? "" : formatMs(r.updatedAt - r.startedAt)),
      ),
    );
    return h(
      "section",
      { class: "page page-runs" },
      h("div", { class: "toolbar" }, h("h1", {}, "Runs"), select, chips),
      data.runs.length === 0
        ? h("p", { class: "empty" }, all === 0 ? "No runs yet. Run a workflow script and it shows up here." : "No runs match this filter.")
        : h(
            "table",
            { class: "grid", id: "runs" },
            h("thead", {}, h("tr", {}, ["Run", "Workflow", "Key", "Status", "Started", "Took"].map((t) => h("th", {}, t)))),
            h("tbody", {}, rows),
          ),
      data.total > data.runs.length ? h("p", { class: "note" }, `showing the newest ${data.runs.length} of ${data.total}`) : null,
    );
  },
};
