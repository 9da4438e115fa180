/**
 * `steplog resume <run>`: re-runs the run's recorded entry script with `--run-id`.
 */
import type { Command } from "../command.js";
import { respawnRun } from "../respawn.js";
import { loadKnownRun } from "../runs.js";
import { buildTimeline } from "../timeline.js";

/**
 * The `resume` command.
 *
 * @example
 * ```sh
 * steplog resume 01JD3Q8Z9X4M2N7P5R6S8T0V1W
 * ```
 */
export const resumeCommand: Command = {
  name: "resume",
  summary: "continue a run by re-running its script with --run-id",
  usage: "steplog resume <run>",
  options: {},
  positionals: [1, 1],
  help: `Continues a run: starts the script that started it again (same node, node flags, script and working
directory) with --run-id <run> --dir <state dir>, prints that command first, passes the terminal through,
and exits with the script's exit code. Completed steps are replayed, the rest runs. Refuses when the
script no longer exists. With --json the script prints its JSON envelope.

Examples:
  steplog resume 01JD3Q8Z9X4M2N7P5R6S8T0V1W
  STEPLOG_DIR=/srv/app/.steplog steplog resume 01JD3Q8Z9X4M2N7P5R6S8T0V1W --json`,
  async run(cli) {
    const run = await loadKnownRun(cli, cli.args[0]);
    const t = buildTimeline(run);
    if (t.status === "completed" || t.status === "cancelled") {
      cli.result({ ok: true, runId: run.header.runId, status: t.status, resumed: false }, () => `run ${run.header.runId} is ${t.status}; there is nothing to resume`);
      return 0;
    }
    return respawnRun(cli, run.header);
  },
};
