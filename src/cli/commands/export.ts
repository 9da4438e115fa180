/**
 * `steplog export <run> [--to-database-url URL]`: moves a run, in flight, from the file store to PostgreSQL.
 */
import type { Command } from "../command.js";
import { moveRun, moveTarget } from "../move-run.js";

/**
 * The `export` command.
 *
 * @example
 * ```sh
 * steplog export 01JD3Q8Z9X4M2N7P5R6S8T0V1W --to-database-url postgres://app@db/app
 * ```
 */
export const exportCommand: Command = {
  name: "export",
  summary: "move a run, in flight, from the state directory to PostgreSQL",
  usage: "steplog export <run> [--to-database-url URL] [--dir DIR]",
  options: { "to-database-url": { type: "string" } },
  flagHelp: "  --to-database-url URL  the PostgreSQL store to move the run to (default: --database-url, else STEPLOG_DATABASE_URL)",
  positionals: [1, 1],
  help: `Moves a run from the file store of the state directory to PostgreSQL: its header, records, events not yet
consumed, cancellation request and open dead-letter entries. The run keeps its id, so it continues where it
stands: a worker with its workflow picks it up ('steplog worker'), or a waiting run when its event or wake
time comes. The copy in the state directory is ended as cancelled ("moved to …") so nothing resumes it
there; 'steplog import' brings the run back and replaces that copy. Refused while the run is executing
(its lock is held): stop it first.

Examples:
  steplog export 01JD3Q8Z9X4M2N7P5R6S8T0V1W --to-database-url postgres://app@db:5432/app
  STEPLOG_DATABASE_URL=postgres://app@db/app steplog export 01JD3Q8Z9X4M2N7P5R6S8T0V1W --dir /srv/app/.steplog`,
  async run(cli) {
    const moved = await moveRun(cli, cli.args[0], "to-postgres", moveTarget(cli, "to-database-url"));
    cli.result({ ok: true, ...moved }, () =>
      `moved run ${moved.runId} (${moved.records} records, ${moved.events} pending events, ${moved.deadLetters} open dead letters)\n  from the ${moved.from}\n  to the ${moved.to}`,
    );
    return 0;
  },
};
