/**
 * The last policy: a step that failed for good is journaled (`step-failed`) and put in the dead-letter queue
 * (one open entry per run and step; a rerun failing the same step again updates it).
 */
import { PersistenceError, StepFailedError } from "../errors.js";
import type { StepFailedRecord } from "../journal/records.js";
import { storeError } from "../journal/values.js";
import type { ActiveRun } from "../run/active-run.js";

/**
 * Records the failure, puts the DLQ entry, emits `step:fail`, and returns the StepFailedError to throw.
 * The journal record is durable before the entry is written, so a crash in between leaves a failed step the
 * next rerun retries rather than a DLQ entry without its journal record.
 */
export async function deadLetterStep(run: ActiveRun, key: string, seq: number, attempts: number, error: unknown): Promise<StepFailedError> {
  const stored = storeError(error);
  run.state.hadFailures = true;
  const { runId, workflow, key: runKey } = run.header;
  try {
    await run.log.appendDurable(run.record<StepFailedRecord>({ type: "step-failed", key, seq, attempts, error: stored }));
    await run.store.dlq.put({ runId, workflow, key: runKey, stepKey: key, error: stored, attempts }, run.options.clock.now());
  } catch (writeError) {
    // A full disk must not hide why the step failed: the persistence error carries the step's own error.
    if (!(writeError instanceof PersistenceError)) throw writeError;
    throw new PersistenceError(`${writeError.message} (while dead-lettering step '${key}', which had failed for good: ${stored.message})`, { cause: writeError });
  }
  run.emit("step:fail", { key, attempts, error: stored });
  return new StepFailedError(key, attempts, error);
}
