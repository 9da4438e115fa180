/**
 * The engine's store operations on runs it may not hold in memory: delivering an event, requesting a
 * cancellation, finding the runs to resume.
 */
import { UsageError } from "../errors.js";
import { Unserializable, encodeValue } from "../journal/values.js";
import { checkRunId, checkStepName } from "../names.js";
import type { RunStatus, RunSummary, Store } from "../store/store.js";
import { lastEnd } from "../journal/records.js";

/**
 * Encodes `data` and puts it in the inbox of run `runId`; returns the message id.
 *
 * @example
 * ```ts
 * await deliverEvent(store, runId, "approval", { approved: true }, Date.now());
 * ```
 */
export async function deliverEvent(store: Store, runId: string, event: string, data: unknown, at: number): Promise<string> {
  checkStepName(event);
  const summary = await knownRun(store, runId);
  if (summary.status === "completed" || summary.status === "cancelled") {
    throw new UsageError(`run ${runId} is ${summary.status}; it takes no more events`);
  }
  const encoded = encodeValue(data, "data");
  if (encoded instanceof Unserializable) throw new UsageError(`the data of event '${event}' has ${encoded.reason} at ${encoded.path}; send plain data`);
  const message = await store.sendEvent(runId, event, encoded, at);
  return message.messageId;
}

/**
 * Records a cancellation request; false (and nothing recorded) when the run already finished.
 *
 * @example
 * ```ts
 * if (!(await requestCancel(store, runId, "duplicate", Date.now()))) console.log("already finished");
 * ```
 */
export async function requestCancel(store: Store, runId: string, reason: string | null, at: number): Promise<boolean> {
  const summary = await knownRun(store, runId);
  if (summary.status === "completed" || summary.status === "cancelled") return false;
  if (summary.status === "failed" && (await isFinal(store, runId))) return false;
  await store.requestCancel(runId, reason, at);
  return true;
}

/**
 * Unfinished top-level runs of `workflows`, oldest first; failed runs only when `failed` and not final.
 *
 * @example
 * ```ts
 * const runs = await unfinishedRuns(store, ["approval"], true);
 * ```
 */
export async function unfinishedRuns(store: Store, workflows: string[], failed: boolean): Promise<RunSummary[]> {
  const statuses: RunStatus[] = failed ? ["running", "waiting", "failed"] : ["running", "waiting"];
  const found: RunSummary[] = [];
  for (const workflow of workflows) {
    for (const run of await store.listRuns({ workflow, status: statuses })) {
      if (run.parentRunId !== undefined) continue;
      if (run.status === "failed" && (await isFinal(store, run.runId))) continue;
      found.push(run);
    }
  }
  return found.sort((a, b) => (a.runId < b.runId ? -1 : 1));
}

async function knownRun(store: Store, runId: string): Promise<RunSummary> {
  const summary = await store.getRun(checkRunId(runId));
  if (summary === undefined) throw new UsageError(`unknown run id ${runId} in the ${store.description}; list runs with engine.list()`);
  return summary;
}

/** A failed run whose compensations ran is final: it is never resumed. */
async function isFinal(store: Store, runId: string): Promise<boolean> {
  const end = lastEnd((await store.loadRun(runId)).records);
  return end?.status === "failed" && end.compensated === true;
}
