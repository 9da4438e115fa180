/**
 * One run as the dashboard's run page shows it: the header, the timeline of its calls with their attempts and
 * outputs, what it waits for, and the events delivered but not consumed yet. Values are typed trees.
 */
import { buildTimeline, type TimelineCall } from "../cli/timeline.js";
import type { AttemptRecord, StoredError } from "../journal/records.js";
import type { InboxMessage, LoadedRun, RunSummary } from "../store/store.js";
import { typedFromEncoded, type TypedValue } from "./typed-value.js";

/** A failed attempt of a call. */
export interface AttemptView {
  attempt: number;
  at: number;
  error: StoredError;
  delayMs: number | null;
}

/** One call of the timeline. */
export interface CallView extends Omit<TimelineCall, "order"> {
  output?: TypedValue;
  failedAttempts: AttemptView[];
}

/** What a run waits for: an event (with the form that sends it) or a wake time. */
export interface WaitView {
  kind: "sleep" | "event";
  key: string;
  event?: string;
  until: number | null;
  since?: number;
}

/** The JSON of `GET /api/runs/<id>`. */
export interface RunView {
  runId: string;
  workflow: string;
  key: string;
  status: RunSummary["status"];
  startedAt: number;
  lastAt: number;
  codeHash: string;
  parentRunId?: string;
  script: string | null;
  executions: number;
  input: TypedValue;
  output?: TypedValue;
  error?: StoredError;
  cancel?: { reason: string | null };
  wait?: WaitView;
  calls: CallView[];
  pendingEvents: { event: string; at: number; data: TypedValue }[];
  tornTail?: { line: number; bytes: number };
  location: string;
}

/**
 * Builds the run page's data from a loaded run, its summary and its inbox.
 *
 * @example
 * ```ts
 * const view = runView(await store.loadRun(id), (await store.getRun(id))!, await store.inbox(id));
 * ```
 */
export function runView(run: LoadedRun, summary: RunSummary, inbox: InboxMessage[]): RunView {
  const timeline = buildTimeline(run);
  const outputs = new Map<string, TypedValue>();
  const attempts = new Map<string, AttemptView[]>();
  const consumed = new Set<string>();
  for (const r of run.records) {
    if (r.type === "step") outputs.set(r.key, typedFromEncoded(r.out));
    else if (r.type === "attempt") pushAttempt(attempts, r);
    else if (r.type === "event" && r.messageId !== null) consumed.add(r.messageId);
  }
  const calls = timeline.calls.map(({ order: _order, ...call }): CallView => {
    const view: CallView = { ...call, failedAttempts: attempts.get(call.key) ?? [] };
    const output = outputs.get(call.key);
    if (output !== undefined) view.output = output;
    return view;
  });
  const { header } = run;
  const view: RunView = {
    runId: header.runId, workflow: header.workflow, key: header.key, status: summary.status,
    startedAt: header.startedAt, lastAt: timeline.lastAt, codeHash: header.codeHash, script: header.entry.script,
    executions: timeline.executions, input: typedFromEncoded(header.input), calls, location: run.location,
    pendingEvents: inbox.filter((m) => !consumed.has(m.messageId)).map((m) => ({ event: m.event, at: m.at, data: typedFromEncoded(m.data) })),
  };
  if (header.parent) view.parentRunId = header.parent.runId;
  if (timeline.end?.status === "completed") view.output = typedFromEncoded(timeline.end.out);
  if (timeline.end?.error) view.error = timeline.end.error;
  if (timeline.cancel) view.cancel = timeline.cancel;
  if (run.tornTail) view.tornTail = run.tornTail;
  const wait = waitOf(calls, summary.status);
  if (wait) view.wait = wait;
  return view;
}

function pushAttempt(attempts: Map<string, AttemptView[]>, r: AttemptRecord): void {
  const list = attempts.get(r.key) ?? [];
  list.push({ attempt: r.attempt, at: r.at, error: r.error, delayMs: r.delayMs });
  attempts.set(r.key, list);
}

/**
 * What an unfinished run waits for: the last call still waiting for an event or sleeping, whether the run
 * is suspended (status "waiting") or waits in the memory of a long-lived process (status "running").
 *
 * @example
 * ```ts
 * const wait = waitOf(view.calls, "waiting"); // { kind: "event", key: "approval", event: "approval", until: null }
 * ```
 */
export function waitOf(calls: readonly CallView[], status: RunSummary["status"]): WaitView | undefined {
  if (status !== "running" && status !== "waiting") return undefined;
  for (let i = calls.length - 1; i >= 0; i--) {
    const c = calls[i]!;
    if (c.status !== "waiting" && c.status !== "sleeping") continue;
    const wait: WaitView = { kind: c.status === "waiting" ? "event" : "sleep", key: c.key, until: c.wait?.until ?? null };
    if (c.wait?.event !== undefined) wait.event = c.wait.event;
    if (c.startedAt !== undefined) wait.since = c.startedAt;
    return wait;
  }
  return undefined;
}
