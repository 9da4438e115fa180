/**
 * `engine.get(runId)`: a run's summary with its input and its result or error decoded from the journal.
 */
import { lastEnd } from "../journal/records.js";
import { decodeValue } from "../journal/values.js";
import { checkRunId } from "../names.js";
import type { Store } from "../store/store.js";
import type { RunDetails } from "./engine.js";

/**
 * The details of a run, or undefined when the store has no such run.
 *
 * @example
 * ```ts
 * const details = await readRunDetails(store, runId, false);
 * ```
 */
export async function readRunDetails(store: Store, runId: string, inMemory: boolean): Promise<RunDetails | undefined> {
  const summary = await store.getRun(checkRunId(runId));
  if (summary === undefined) return undefined;
  const run = await store.loadRun(runId);
  const details: RunDetails = { ...summary, input: decodeValue(run.header.input), inMemory };
  const end = summary.status === "running" || summary.status === "waiting" ? undefined : lastEnd(run.records);
  if (end?.status === "completed") details.output = decodeValue(end.out);
  else if (end?.error !== undefined) details.error = end.error;
  return details;
}

