// One run: its facts, a timeline (Gantt) of its calls with attempts, durations and marks, what it waits for,
// its input, output and error. A call's row opens to show its output, errors and failed attempts.

import { getJson, postAction } from "./api.js";
import { badge, h, toast } from "./dom.js";
import { errorView } from "./error-view.js";
import { eventForm } from "./event-form.js";
import { formatMs, formatTime, relative } from "./format.js";
import { valueView } from "./value-view.js";

const ICONS = { ok: "✓", failed: "✗", "in-doubt": "?", sleeping: "…", waiting: "…", slept: "✓", received: "✓", "timed-out": "⌛", patch: "•" };
const open = new Set();

export const runPage = {
  name: "run",
  load: (params) => getJson(`/api/runs/${encodeURIComponent(params.get("id"))}`),
  render(run) {
    const unfinished = run.status === "running" || run.status === "waiting";
    const end = unfinished ? Math.max(run.lastAt, Date.now()) : run.lastAt;
    return h(
      "section",
      { class: "page page-run", dataset: { runId: run.runId, status: run.status } },
      h("div", { class: "toolbar" }, h("h1", {}, run.workflow), badge(run.status), run.status === "running" && run.wait ? badge(run.wait.kind === "event" ? "waiting in memory" : "sleeping in memory", "waiting") : null, h("span", { class: "mono muted" }, run.runId), h("span", { class: "spacer" }), actions(run)),
      facts(run, end),
      run.wait ? waitPanel(run) : null,
      run.cancel ? h("p", { class: "note" }, `cancellation requested${run.cancel.reason ? `: ${run.cancel.reason}` : ""}`) : null,
      run.tornTail ? h("p", { class: "note" }, `the journal ends in an incomplete line (${run.tornTail.bytes} bytes at line ${run.tornTail.line}); it was discarded`) : null,
      h("h2", {}, "Timeline"),
      run.calls.length === 0 ? h("p", { class: "empty" }, "No step has started yet.") : timeline(run, end),
      run.pendingEvents.length > 0
        ? h("div", {}, h("h2", {}, "Delivered, not consumed yet"), run.pendingEvents.map((e) => h("div", { class: "pending" }, h("b", { class: "mono" }, e.event), ` at ${formatTime(e.at)}`, valueView(e.data))))
        : null,
      h("div", { class: "io" }, section("Input", valueView(run.input)), run.output ? section("Output", valueView(run.output), "output") : null, run.error ? section("Error", errorView(run.error), "run-error") : null),
    );
  },
};

function section(title, body, id) {
  return h("div", { class: "io-part", id }, h("h2", {}, title), body);
}

function actions(run) {
  const act = (verb, body, done) => async (event) => {
    event.target.disabled = true;
    try {
      const answer = await postAction(`/api/runs/${run.runId}/${verb}`, body);
      toast(done(answer));
    } catch (error) {
      toast(error.message, "error");
      event.target.disabled = false;
    }
  };
  const finished = run.status === "completed" || run.status === "cancelled";
  return h(
    "div",
    { class: "actions" },
    !finished && run.script !== null && run.status !== "running"
      ? h("button", { type: "button", onclick: act("resume", {}, (a) => `resuming: ${a.command}`) }, "Resume")
      : null,
    !finished ? h("button", { type: "button", class: "danger", onclick: act("cancel", {}, (a) => (a.requested ? "cancellation requested" : "the run had already finished")) }, "Cancel") : null,
  );
}

function facts(run, end) {
  const pairs = [
    ["key", h("span", { class: "mono" }, run.key)],
    ["started", formatTime(run.startedAt)],
    ["duration", formatMs(end - run.startedAt) + (run.status === "running" ? " so far" : "")],
    ["executions", String(run.executions)],
    ["script", run.script === null ? h("span", { class: "muted" }, "(not started from a script)") : h("span", { class: "mono" }, run.script)],
    run.parentRunId ? ["parent", h("a", { class: "mono", href: `#/run/${run.parentRunId}` }, run.parentRunId)] : null,
    ["journal", h("span", { class: "mono muted" }, run.location)],
  ];
  return h("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function waitPanel(run) {
  const { wait } = run;
  if (wait.kind === "sleep") return h("div", { class: "card wait" }, "sleeps in ", h("b", { class: "mono" }, wait.key), ` until ${formatTime(wait.until)} (${relative(wait.until)})`);
  return h(
    "div",
    { class: "card wait", id: "wait" },
    h("p", {}, "waits for event ", h("b", { class: "mono event-name" }, wait.event ?? ""), wait.until !== null ? `, times out ${relative(wait.until)}` : ""),
    eventForm(run),
  );
}

function timeline(run, end) {
  const span = Math.max(end - run.startedAt, 1);
  const pct = (t) => `${(Math.min(Math.max(t - run.startedAt, 0), span) / span) * 100}%`;
  return h(
    "div",
    { class: "timeline", id: "timeline" },
    h("div", { class: "tl-scale" }, h("span", {}, formatTime(run.startedAt)), h("span", {}, formatMs(span))),
    run.calls.map((call) => {
      const id = `${run.runId}/${call.key}`;
      const from = call.startedAt ?? run.startedAt;
      const to = call.endedAt ?? (call.status === "sleeping" && call.wait?.until ? Math.min(call.wait.until, end) : end);
      const bar = h("div", { class: `tl-bar tl-${call.status}`, style: { left: pct(from), width: `max(3px, calc(${pct(to)} - ${pct(from)}))` } });
      const ticks = call.failedAttempts.map((a) => h("div", { class: "tl-tick", title: `attempt ${a.attempt} failed: ${a.error.message}`, style: { left: pct(a.at) } }));
      const row = h(
        "div",
        {
          class: `tl-row${open.has(id) ? " tl-open" : ""}`,
          dataset: { key: call.key, status: call.status },
          tabindex: "0",
          role: "button",
          "aria-expanded": String(open.has(id)),
          onclick: () => toggle(id, row, call),
          onkeydown: (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), toggle(id, row, call)),
        },
        h("span", { class: `tl-icon tl-icon-${call.status}` }, ICONS[call.status] ?? "·"),
        h("span", { class: "tl-name" }, h("span", { class: "step-name" }, call.key), marks(call)),
        h("span", { class: "tl-track" }, bar, ticks),
        h("span", { class: "tl-ms num" }, call.ms !== undefined ? formatMs(call.ms) : call.status === "waiting" || call.status === "in-doubt" ? formatMs(end - from) : ""),
        h("span", { class: "tl-attempts num" }, call.kind === "step" ? `${call.attempts || call.failedAttempts.length} att.` : call.kind),
      );
      const wrap = h("div", { class: "tl-call" }, row);
      if (open.has(id)) wrap.append(details(call));
      return wrap;
    }),
  );
}

function toggle(id, row, call) {
  const wrap = row.parentElement;
  if (open.has(id)) {
    open.delete(id);
    row.classList.remove("tl-open");
    wrap.querySelector(".tl-details")?.remove();
  } else {
    open.add(id);
    row.classList.add("tl-open");
    wrap.append(details(call));
  }
  row.setAttribute("aria-expanded", String(open.has(id)));
}

function marks(call) {
  return [
    call.replayed ? badge("replayed", "muted") : null,
    call.status === "in-doubt" ? badge("in doubt", "in-doubt") : null,
    call.orphaned ? badge("orphaned", "failed") : null,
    call.compensated ? badge(call.compensated.error ? "compensation failed" : "compensated", call.compensated.error ? "failed" : "muted") : null,
    call.wait?.event ? badge(`event ${call.wait.event}`, "waiting") : null,
  ];
}

function details(call) {
  const when = call.startedAt ? `${formatTime(call.startedAt)}${call.endedAt ? ` → ${formatTime(call.endedAt)}` : ""}` : "";
  return h(
    "div",
    { class: "tl-details" },
    h("p", { class: "muted" }, `#${call.seq} · ${call.kind} · ${call.status}${when ? ` · ${when}` : ""}`),
    call.childRunId ? h("p", {}, "child run ", h("a", { class: "mono", href: `#/run/${call.childRunId}` }, call.childRunId)) : null,
    call.wait?.until ? h("p", {}, `${call.kind === "sleep" ? "wakes" : "times out"} at ${formatTime(call.wait.until)}`) : null,
    call.output ? h("div", {}, h("h3", {}, "Output"), valueView(call.output)) : null,
    call.failedAttempts.length > 0
      ? h("div", {}, h("h3", {}, "Failed attempts"), call.failedAttempts.map((a) => h("div", { class: "attempt" }, h("span", { class: "muted" }, `attempt ${a.attempt} at ${formatTime(a.at)}${a.delayMs !== null ? `, retried after ${formatMs(a.delayMs)}` : ""}`), errorView(a.error))))
      : call.errors.length > 0
        ? h("div", {}, h("h3", {}, "Errors"), call.errors.map(errorView))
        : null,
    call.status === "failed" && call.failedAttempts.length > 0 ? h("div", {}, h("h3", {}, "Final error"), errorView(call.errors.at(-1))) : null,
    call.compensated?.error ? h("div", {}, h("h3", {}, "Compensation error"), errorView(call.compensated.error)) : null,
  );
}
