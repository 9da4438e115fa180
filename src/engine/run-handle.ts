/**
 * Handles of engine runs, and the result (or error) an outcome stands for.
 */
import { RunCancelledError } from "../errors.js";
import type { RunOutcome } from "../run/execute.js";
import type { Engine, RunHandle } from "./engine.js";

/**
 * The value of a run that ended as `outcome`; throws its error otherwise.
 *
 * @example
 * ```ts
 * const value = resultOf(await execution.outcome);
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
      throw new RunCancelledError(`workflow '${outcome.workflow}' key '${outcome.key}' is running elsewhere`);
  }
}

/**
 * A handle of run `runId`, settling with `outcome`. The outcome promise never rejects.
 *
 * @example
 * ```ts
 * const handle = createRunHandle<number>(engine, runId, "approval", execution.outcome);
 * ```
 */
export function createRunHandle<O>(engine: Engine, runId: string, workflow: string, outcome: Promise<RunOutcome>): RunHandle<O> {
  return {
    runId,
    workflow,
    result: () => outcome.then((o) => resultOf(o) as O),
    stream: () => engine.stream(runId),
    cancel: (reason) => engine.cancel(runId, reason),
    send: (event, data) => engine.send(runId, event, data),
  };
}
