/**
 * Draws a {@link Timeline} for a terminal: a header, one line per call with its mark, attempts, duration and a
 * bar scaled to the run, then errors with their stacks, waits, and notes.
 */
import type { StoredError } from "../journal/records.js";
import type { LoadedRun } from "../store/store.js";
import { formatMs, formatTime, printable, statusText, table, type Palette } from "./format.js";
import type { Timeline, TimelineCall } from "./timeline.js";

const BAR_WIDTH = 24;

/**
 * The header lines of a run: workflow, key, status, start, duration, code hash.
 *
 * @example
 * ```ts
 * console.log(runHeaderLines(run, buildTimeline(run), palette(false)).join("\n"));
 * ```
 */
export function runHeaderLines(run: LoadedRun, t: Timeline, c: Palette): string[] {
  const h = run.header;
  const status = statusText(t.status, c) + (t.end?.compensated ? " (compensated, final)" : "") + (t.status === "running" ? c.dim(" (or stopped without an end record: resumable)") : "");
  const rows = [
    ["workflow", `${h.workflow}  key ${printable(h.key)}`],
    ["run", h.runId + (h.parent ? c.dim(`  (child of ${h.parent.runId} at ${printable(h.parent.stepKey)})`) : "")],
    ["status", status],
    ["started", `${formatTime(h.startedAt)}  on ${printable(h.host)} (pid ${h.pid})`],
    ["duration", `${formatMs(t.lastAt - t.startedAt)}${t.executions > 1 ? `  over ${t.executions} executions` : ""}`],
    ["code hash", t.lastCodeHash !== undefined && t.lastCodeHash !== h.codeHash
      ? `${h.codeHash} -> ${t.lastCodeHash} ${c.yellow("(the workflow code changed while this run was in flight; recorded steps were replayed by name)")}`
      : `${h.codeHash} ${c.dim("(of the code that started the run; a resume under changed code logs a warning and replays recorded steps by name)")}`],
  ];
  return table(rows.map(([k, v]) => [c.dim(k!), v!])).split("\n");
}

/**
 * The timeline lines of `inspect`.
 *
 * @example
 * ```ts
 * console.log(timelineLines(run, buildTimeline(run), palette(true)).join("\n"));
 * ```
 */
export function timelineLines(run: LoadedRun, t: Timeline, c: Palette): string[] {
  const span = Math.max(1, t.lastAt - t.startedAt);
  const rows: string[][] = [["#", "", "step", "attempts", "duration", "timeline", ""].map((x) => c.bold(x))];
  const details: string[][] = [];
  for (const call of t.calls) {
    rows.push([String(call.seq), symbol(call, c), printable(callName(call)), attemptsText(call), call.ms !== undefined ? formatMs(call.ms) : "", bar(call, t.startedAt, span, c), marks(call, c)]);
    details.push(detailLines(call, c));
  }
  const [head, ...body] = table(rows).split("\n");
  const out = [head!.trimEnd()];
  body.forEach((line, i) => out.push(line.trimEnd(), ...(details[i] ?? []).map((d) => `      ${d}`)));
  if (t.calls.length === 0) out.push(c.dim("  (no steps recorded)"));
  return out;
}

/**
 * The notes after the timeline: how the run ended, what it waits for, orphaned steps, a torn tail.
 *
 * @example
 * ```ts
 * notes(run, timeline, palette(false)).forEach((line) => console.log(line));
 * ```
 */
export function notes(run: LoadedRun, t: Timeline, c: Palette): string[] {
  const out: string[] = [];
  if (t.suspend) {
    const w = t.suspend.wait;
    out.push(w.kind === "event"
      ? `waiting for event '${printable(w.event ?? w.key)}'${w.until !== null ? ` (times out ${formatTime(w.until)})` : ""}`
      : `sleeping until ${w.until === null ? "?" : formatTime(w.until)}`);
  }
  if (t.cancel) out.push(`cancel requested${t.cancel.reason ? `: ${printable(t.cancel.reason)}` : ""}`);
  if (t.end?.status === "failed" && t.end.error) out.push(c.red(`failed: ${errorText(t.end.error)}`));
  const orphaned = t.calls.filter((x) => x.orphaned);
  if (orphaned.length > 0) out.push(c.yellow(`orphaned: ${orphaned.map((x) => `'${printable(x.key)}'`).join(", ")} — recorded, but the code no longer reaches them; kept in the journal, never deleted`));
  const inDoubt = t.calls.filter((x) => x.status === "in-doubt");
  if (inDoubt.length > 0) out.push(c.yellow(`in doubt: ${inDoubt.map((x) => `'${printable(x.key)}'`).join(", ")} started without a recorded result (the process stopped inside); a resume runs it again with the same idempotency key, or dead-letters it with onInDoubt: "fail"`));
  if (run.tornTail) out.push(c.yellow(`torn tail: an incomplete last line (${run.tornTail.bytes} bytes) at line ${run.tornTail.line} was discarded; it was being written when the process stopped`));
  out.push(c.dim(`journal: ${run.location}`));
  return out;
}

function callName(call: TimelineCall): string {
  if (call.kind === "step") return call.key;
  if (call.kind === "sleep") return `${call.key} (sleep)`;
  if (call.kind === "event") return `${call.key} (event '${call.wait?.event ?? call.key}')`;
  if (call.kind === "patch") return `${call.key} = ${String(call.patched)}`;
  return `${call.key}`;
}

function symbol(call: TimelineCall, c: Palette): string {
  switch (call.status) {
    case "ok":
    case "received":
    case "slept":
      return c.green("✓");
    case "failed":
    case "timed-out":
      return c.red("✗");
    case "in-doubt":
      return c.yellow("?");
    case "sleeping":
    case "waiting":
      return c.yellow("…");
    case "patch":
      return c.dim("·");
  }
}

function attemptsText(call: TimelineCall): string {
  if (call.kind !== "step" && call.kind !== "child") return "";
  const n = Math.max(call.attempts, call.errors.length + (call.status === "ok" ? 1 : 0));
  return n === 0 ? "" : String(n);
}

function marks(call: TimelineCall, c: Palette): string {
  const m: string[] = [];
  if (call.replayed) m.push(c.cyan("replayed"));
  if (call.status === "in-doubt") m.push(c.yellow("in doubt: started, no result"));
  if (call.orphaned) m.push(c.yellow("orphaned"));
  if (call.status === "sleeping" && call.wait?.until != null) m.push(`sleeping until ${formatTime(call.wait.until)}`);
  if (call.status === "waiting") m.push(`waiting${call.wait?.until != null ? ` (times out ${formatTime(call.wait.until)})` : ""}`);
  if (call.status === "timed-out") m.push(c.red("timed out"));
  if (call.childRunId) m.push(c.dim(`child run ${call.childRunId}`));
  if (call.compensated) m.push(call.compensated.error ? c.red("compensation failed") : c.dim("compensated"));
  return m.join("  ");
}

function bar(call: TimelineCall, t0: number, span: number, c: Palette): string {
  if (call.startedAt === undefined) return " ".repeat(BAR_WIDTH);
  const end = call.endedAt ?? (call.status === "in-doubt" ? call.startedAt : t0 + span);
  const from = Math.min(BAR_WIDTH - 1, Math.floor(((call.startedAt - t0) / span) * BAR_WIDTH));
  const width = Math.max(1, Math.min(BAR_WIDTH - from, Math.round(((end - call.startedAt) / span) * BAR_WIDTH)));
  const fill = call.kind === "sleep" || call.kind === "event" ? "░" : "█";
  const painted = call.status === "failed" ? c.red(fill.repeat(width)) : call.status === "in-doubt" ? c.yellow(fill.repeat(width)) : fill.repeat(width);
  return `${c.dim("│")}${" ".repeat(from)}${painted}${" ".repeat(BAR_WIDTH - from - width)}${c.dim("│")}`;
}

function detailLines(call: TimelineCall, c: Palette): string[] {
  const out: string[] = [];
  if (call.status === "failed") {
    const last = call.errors.at(-1);
    if (last) {
      out.push(c.red(`error: ${errorText(last)}`));
      for (const line of (last.stack ?? "").split("\n").slice(1, 9)) out.push(c.dim(printable(line.trim())));
    }
  } else if (call.errors.length > 0) {
    out.push(c.dim(`${call.errors.length} failed attempt${call.errors.length === 1 ? "" : "s"}; last: ${errorText(call.errors.at(-1)!)}`));
  }
  if (call.compensated?.error) out.push(c.red(`compensation error: ${errorText(call.compensated.error)}`));
  return out;
}

function errorText(error: StoredError): string {
  return printable(`${error.name}${error.code ? ` [${error.code}]` : ""}: ${error.message}`);
}
