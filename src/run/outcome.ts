/**
 * The value a run outcome stands for, for callers that want a result or an exception (`wf.run`, engine handles).
 */
import { LockHeldError, RunCancelledError } from "../errors.js";
import type { RunOutcome } from "./execute.js";

/**
 * The value of a run that ended as `outcome`; throws its error otherwise.
 *
 * @example
 * ```ts
 * const value = resultOf(await executeRun(request));
 * ```
 */
export function resultOf(outcome: RunOutcome): unknown {
  switch (outcome.status) {
    case "completed":
      return outcome.result;
    case "failed":
      throw outcome.error;
    case "cancelled":
      throw new RunCancelledError(outcome.reason ?? undefined);
    case "interrupted":
      throw new RunCancelledError(`run ${outcome.runId} was interrupted (${outcome.reason}); it stays resumable`);
    case "waiting":
      throw new RunCancelledError(`run ${outcome.runId} suspended while waiting`);
    case "skipped":
      throw new LockHeldError(`workflow '${outcome.workflow}' key '${outcome.key}' is already running in another process`);
  }
}
