// The form that sends a waiting run the event it waits for. The payload is checked as JSON while typing; a
// suspended run started from a script can be resumed right after (its script re-run with --run-id).

import { postAction } from "./api.js";
import { h, toast } from "./dom.js";

/** Drafts survive live re-renders of the page: run id -> text typed so far. */
const drafts = new Map();

export function eventForm(run) {
  const id = `data-${run.runId}`;
  const data = h("textarea", { id, class: "mono", rows: 3, spellcheck: "false", "aria-label": "event data (JSON)", value: drafts.get(run.runId) ?? "{}" });
  const event = h("input", { class: "mono", type: "text", "aria-label": "event name", value: run.wait.event ?? "" });
  const check = h("span", { class: "check" });
  const canResume = run.status === "waiting" && run.script !== null;
  const resume = canResume ? h("input", { type: "checkbox", checked: true }) : null;
  const send = h("button", { class: "primary", type: "submit" }, "Send event");
  const validate = () => {
    drafts.set(run.runId, data.value);
    try {
      JSON.parse(data.value);
      check.textContent = "valid JSON";
      check.className = "check check-ok";
      send.disabled = event.value.trim() === "";
      return true;
    } catch (error) {
      check.textContent = `not JSON: ${error.message}`;
      check.className = "check check-bad";
      send.disabled = true;
      return false;
    }
  };
  data.addEventListener("input", validate);
  event.addEventListener("input", validate);
  const submit = async (e) => {
    e.preventDefault();
    if (!validate()) return;
    send.disabled = true;
    try {
      const answer = await postAction(`/api/runs/${run.runId}/send`, { event: event.value.trim(), data: JSON.parse(data.value), resume: resume?.checked === true });
      drafts.delete(run.runId);
      toast(answer.resumed ? `event sent; resuming: ${answer.resumed}` : `event '${event.value.trim()}' sent`);
    } catch (error) {
      toast(error.message, "error");
      send.disabled = false;
    }
  };
  const form = h(
    "form",
    { class: "event-form", dataset: { runId: run.runId }, onsubmit: submit },
    h("label", {}, "event ", event),
    h("label", { class: "grow" }, "data (JSON) ", data),
    h("div", { class: "form-row" }, check, canResume ? h("label", { class: "inline" }, resume, " resume its script after sending") : null, send),
  );
  validate();
  return form;
}
