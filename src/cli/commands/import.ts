/**
 * `steplog import <run> [--from-database-url URL]`: moves a run, in flight, from PostgreSQL to the file store.
 */
import { shellQuote } from "../../main/envelope.js";
import type { Command } from "../command.js";
import { moveRun, moveTarget } from "../move-run.js";

/**
 * The `import` command.
 *
 * @example
 * ```sh
 * steplog import 01JD3Q8Z9X4M2N7P5R6S8T0V1W --from-database-url postgres://app@db/app --dir .steplog
 * ```
 */
export const importCommand: Command = {
  name: "import",
  summary: "move a run, in flight, from PostgreSQL to the state directory",
  usage: "steplog import <run> [--from-database-url URL] [--dir DIR]",
  options: { "from-database-url": { type: "string" } },
  flagHelp: "  --from-database-url URL  the PostgreSQL store to move the run from (default: --database-url, else STEPLOG_DATABASE_URL)",
  positionals: [1, 1],
  help: `Moves a run from PostgreSQL to the file store of the state directory: its header, records, events not yet
consumed, cancellation request and open dead-letter entries. The run keeps its id; continue it with
'steplog resume <run>' (its script with --run-id). The copy in PostgreSQL is ended as cancelled ("moved to
…") so no worker resumes it. A copy the run left in the state directory when it was exported is replaced.
Refused while a worker executes the run (its lease is held): stop it first.

Examples:
  steplog import 01JD3Q8Z9X4M2N7P5R6S8T0V1W --from-database-url postgres://app@db:5432/app
  steplog import 01JD3Q8Z9X4M2N7P5R6S8T0V1W --from-database-url postgres://app@db/app --dir /srv/app/.steplog --json`,
  async run(cli) {
    const moved = await moveRun(cli, cli.args[0], "to-file", moveTarget(cli, "from-database-url"));
    const dir = cli.flags.dir === undefined && !cli.env.STEPLOG_DIR ? "" : ` --dir ${shellQuote(cli.dir)}`;
    const next = `steplog resume ${moved.runId}${dir}`;
    cli.result({ ok: true, ...moved, next }, () =>
      `moved run ${moved.runId} (${moved.records} records, ${moved.events} pending events, ${moved.deadLetters} open dead letters)\n  from the ${moved.from}\n  to the ${moved.to}\ncontinue it with:\n  ${next}`,
    );
    return 0;
  },
};
