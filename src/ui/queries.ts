/**
 * The dashboard's read-only data: runs with counts per status, one run, runs waiting, the DLQ, breakers.
 */
import { UsageError } from "../errors.js";
import { checkRunId, checkWorkflowName } from "../names.js";
import type { BreakerState, DeadLetterEntry, RunStatus, RunSummary, Store } from "../store/store.js";
import { runView, waitOf, type RunView, type WaitView } from "./run-view.js";

const STATUSES: readonly RunStatus[] = ["running", "waiting", "completed", "failed", "cancelled"];

/** Rows shown on the runs page at most. */
export const MAX_LISTED_RUNS = 500;

/** The JSON of `GET /api/runs`. */
export interface RunsPage {
  runs: RunSummary[];
  /** Runs per status among those of the selected workflow (all workflows when none is selected). */
  counts: Record<RunStatus, number>;
  workflows: string[];
  total: number;
}

/**
 * Runs, newest first, filtered by workflow and status, with counts per status.
 *
 * @example
 * ```ts
 * const page = await runsPage(store, { workflow: "nightly", status: "failed" });
 * ```
 */
export async function runsPage(store: Store, filter: { workflow?: string | null; status?: string | null }): Promise<RunsPage> {
  const all = await store.listRuns();
  const workflows = [...new Set(all.map((r) => r.workflow))].sort();
  const workflow = filter.workflow ? checkWorkflowName(filter.workflow) : undefined;
  const status = filter.status ? checkStatus(filter.status) : undefined;
  const ofWorkflow = workflow === undefined ? all : all.filter((r) => r.workflow === workflow);
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
  for (const r of ofWorkflow) counts[r.status]++;
  const selected = status === undefined ? ofWorkflow : ofWorkflow.filter((r) => r.status === status);
  return { runs: selected.slice(0, MAX_LISTED_RUNS), counts, workflows, total: selected.length };
}

function checkStatus(status: string): RunStatus {
  if (!(STATUSES as readonly string[]).includes(status)) throw new UsageError(`status must be one of ${STATUSES.join(", ")}`);
  return status as RunStatus;
}

/**
 * One run's page data, or undefined for an unknown run.
 *
 * @example
 * ```ts
 * const view = await runPage(store, "01JD3Q8Z9X4M2N7P5R6S8T0V1W");
 * ```
 */
export async function runPage(store: Store, runId: string): Promise<RunView | undefined> {
  const summary = await store.getRun(checkRunId(runId));
  if (summary === undefined) return undefined;
  const [run, inbox] = await Promise.all([store.loadRun(runId), store.inbox(runId)]);
  return runView(run, summary, inbox);
}

/** A run waiting for an event or a wake time. */
export interface WaitingRun extends RunSummary {
  wait: WaitView;
  /** Events delivered to the run and not consumed yet. */
  pendingEvents: string[];
  script: string | null;
}

/**
 * Unfinished runs that wait for an event or sleep (suspended, or waiting in a long-lived process's memory).
 *
 * @example
 * ```ts
 * for (const run of await waitingRuns(store)) console.log(run.runId, run.wait.event);
 * ```
 */
export async function waitingRuns(store: Store): Promise<WaitingRun[]> {
  const candidates = (await store.listRuns({ status: ["waiting", "running"] })).slice(0, MAX_LISTED_RUNS);
  const found: WaitingRun[] = [];
  for (const summary of candidates) {
    const view = runView(await store.loadRun(summary.runId), summary, await store.inbox(summary.runId));
    const wait = waitOf(view.calls, summary.status);
    if (wait === undefined) continue;
    found.push({ ...summary, wait, pendingEvents: view.pendingEvents.map((e) => e.event), script: view.script });
  }
  return found;
}

/**
 * The dead-letter queue, newest first.
 *
 * @example
 * ```ts
 * const open = (await deadLetters(store)).filter((e) => e.status === "open");
 * ```
 */
export async function deadLetters(store: Store): Promise<DeadLetterEntry[]> {
  return store.dlq.list();
}

/** A breaker as the page shows it. */
export interface BreakerView extends BreakerState {
  name: string;
  /** An open breaker whose `openUntil` has passed lets the next call through (it is half-open in effect). */
  due: boolean;
}

/**
 * Every persisted circuit breaker, by name.
 *
 * @example
 * ```ts
 * const open = (await breakers(store, Date.now())).filter((b) => b.state === "open");
 * ```
 */
export async function breakers(store: Store, now: number): Promise<BreakerView[]> {
  const all = await store.breakers.list();
  return Object.entries(all)
    .map(([name, state]) => ({ name, ...state, due: state.state === "open" && state.openUntil !== null && state.openUntil <= now }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
