/**
 * `steplog fork <run> --from <step> [--key K] [--run]`: a new run that reuses an existing run's results before a
 * step and executes that step and everything after it again.
 */
import { UsageError } from "../../errors.js";
import { checkKey, checkStepKey } from "../../names.js";
import { forkStoredRun } from "../../run/fork.js";
import type { Command } from "../command.js";
import { respawnRun } from "../respawn.js";
import { dirFlag, loadKnownRun } from "../runs.js";

/**
 * The `fork` command.
 *
 * @example
 * ```sh
 * steplog fork 01JD3Q8Z9X4M2N7P5R6S8T0V1W --from publish --run
 * ```
 */
export const forkCommand: Command = {
  name: "fork",
  summary: "start a new run from a step of an existing one (earlier results are reused)",
  usage: "steplog fork <run> --from <step> [--key K] [--run]",
  options: { from: { type: "string" }, key: { type: "string" }, run: { type: "boolean" } },
  flagHelp: `  --from STEP  the first step to execute again (results of the calls before it are reused)
  --key K      the new run's key (default: the source run's key)
  --run        run the fork now: re-run the source run's script with --run-id <new run>`,
  positionals: [1, 1],
  help: `Creates a new run with the source run's input and a copy of its recorded results up to the given step;
the source run is left as it is. When the new run executes, every call before the step replays its recorded
result and the step and everything after it execute again: "rerun from step" after fixing a bug or data.
The new run belongs to the same workflow and its recorded script (the source run's). Without --run it
prints the new run's id and the command that runs it; with --run it runs it now (like 'steplog resume')
and exits with the script's exit code. On PostgreSQL, a worker with the workflow also picks it up.

Examples:
  steplog fork 01JD3Q8Z9X4M2N7P5R6S8T0V1W --from publish
  steplog fork 01JD3Q8Z9X4M2N7P5R6S8T0V1W --from charge --key retry-2026-11-22 --run`,
  async run(cli) {
    const fromStep = cli.string("from");
    if (fromStep === undefined) throw new UsageError("give the step to execute again: --from <step> (the steps are listed by 'steplog inspect <run>')");
    checkStepKey(fromStep);
    const key = cli.string("key");
    if (key !== undefined) checkKey(key);
    const source = await loadKnownRun(cli, cli.args[0]);
    const header = await forkStoredRun(cli.store(), source.header.runId, { fromStep, ...(key !== undefined ? { key } : {}) });
    const next = `steplog resume ${header.runId}${dirFlag(cli)}`;
    if (cli.bool("run")) {
      if (!cli.json) cli.err(`forked run ${source.header.runId} from step '${fromStep}' as run ${header.runId}`);
      return respawnRun(cli, header);
    }
    cli.result({ ok: true, runId: header.runId, workflow: header.workflow, key: header.key, forkOf: header.forkOf, next }, () =>
      [
        `forked run ${source.header.runId} (${header.workflow}) from step '${fromStep}' as run ${header.runId} (key ${header.key})`,
        "run it with:",
        `  ${next}`,
      ].join("\n"),
    );
    return 0;
  },
};
