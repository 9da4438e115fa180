/**
 * `steplog cancel <runId> [--reason TEXT]`: asks a run to stop.
 */
import { UsageError } from "../../errors.js";
import type { Command } from "../command.js";
import { dirFlag, knownRun } from "../runs.js";

/**
 * The `cancel` command.
 *
 * @example
 * ```sh
 * steplog cancel 01JD3Q8Z9X4M2N7P5R6S8T0V1W --reason "duplicate order"
 * ```
 */
export const cancelCommand: Command = {
  name: "cancel",
  summary: "cancel a run (a running process stops within a second and exits 50)",
  usage: "steplog cancel <runId> [--reason TEXT]",
  options: { reason: { type: "string" } },
  flagHelp: "  --reason TEXT  why, recorded in the journal and shown by inspect",
  positionals: [1, 1],
  help: `Marks a run cancelled. A process running it notices within a second, aborts the signals of in-flight
steps, runs compensations and exits 50. A suspended or failed run is marked cancelled when it next runs
(its script, or 'steplog resume'). A cancelled run is never resumed.

Examples:
  steplog cancel 01JD3Q8Z9X4M2N7P5R6S8T0V1W
  steplog cancel 01JD3Q8Z9X4M2N7P5R6S8T0V1W --reason "customer withdrew"`,
  async run(cli) {
    const summary = await knownRun(cli, cli.args[0]);
    const reason = cli.string("reason") ?? null;
    if (reason !== null && (reason.length > 4096 || reason.includes("\0"))) throw new UsageError("--reason must be at most 4096 characters without NUL");
    if (summary.status === "completed") throw new UsageError(`run ${summary.runId} already completed; there is nothing to cancel`);
    if (summary.status === "cancelled") {
      cli.result({ ok: true, runId: summary.runId, status: "cancelled", alreadyCancelled: true }, () => `run ${summary.runId} is already cancelled`);
      return 0;
    }
    await cli.store().requestCancel(summary.runId, reason, Date.now());
    const running = summary.status === "running";
    cli.result({ ok: true, runId: summary.runId, status: summary.status, requested: true }, () =>
      running
        ? `cancellation of run ${summary.runId} requested; a process running it stops within a second (exit 50)`
        : `cancellation of run ${summary.runId} (${summary.status}) requested; it is marked cancelled when it next runs: steplog resume ${summary.runId}${dirFlag(cli)}`,
    );
    return 0;
  },
};
