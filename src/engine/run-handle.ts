/**
 * Handles of engine runs, and the result (or error) an outcome stands for.
 */
import type { RunOutcome } from "../run/execute.js";
import { resultOf } from "../run/outcome.js";
import type { Engine, RunHandle } from "./engine.js";

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
