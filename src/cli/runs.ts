/**
 * Finding a run from a command-line argument: the id is validated before any file is touched, and an unknown
 * id says so and how to find ids.
 */
import { UsageError } from "../errors.js";
import { shellQuote } from "../main/envelope.js";
import type { RunHeader } from "../journal/records.js";
import { checkRunId } from "../names.js";
import type { LoadedRun, RunSummary } from "../store/store.js";
import type { Cli } from "./command.js";
import { maskPassword } from "../main/rerun.js";

/**
 * The summary of the run `id`; throws UsageError (exit 10) for an invalid or unknown id.
 *
 * @example
 * ```ts
 * const summary = await knownRun(cli, cli.args[0]);
 * ```
 */
export async function knownRun(cli: Cli, id: string | undefined): Promise<RunSummary> {
  const runId = checkRunId(id);
  const summary = await cli.store().getRun(runId);
  if (summary === undefined) throw unknownRun(cli, runId);
  return summary;
}

/**
 * The run `id` with its records; throws UsageError (exit 10) for an invalid or unknown id.
 *
 * @example
 * ```ts
 * const run = await loadKnownRun(cli, "01JD3Q8Z9X4M2N7P5R6S8T0V1W");
 * ```
 */
export async function loadKnownRun(cli: Cli, id: string | undefined): Promise<LoadedRun> {
  const runId = checkRunId(id);
  if ((await cli.store().getRun(runId)) === undefined) throw unknownRun(cli, runId);
  return cli.store().loadRun(runId);
}

/**
 * The error for a run id that is not in the state directory.
 *
 * @example
 * ```ts
 * throw unknownRun(cli, runId);
 * ```
 */
export function unknownRun(cli: Cli, runId: string): UsageError {
  return new UsageError(`unknown run id ${runId}: there is no such run in ${cli.where}; find run ids with 'steplog list${dirFlag(cli)}'`);
}

/**
 * The flag that selects this invocation's store, for commands printed as advice: ` --dir <dir>` when the state
 * directory is not the default one, ` --database-url <url>` (password masked) when the URL came from the flag,
 * nothing when it came from the environment.
 *
 * @example
 * ```ts
 * cli.err(`next: steplog resume ${runId}${dirFlag(cli)}`);
 * ```
 */
export function dirFlag(cli: Cli): string {
  if (cli.databaseUrl !== undefined) return cli.flags["database-url"] === undefined ? "" : ` --database-url ${shellQuote(maskPassword(cli.databaseUrl))}`;
  return cli.flags.dir === undefined && !cli.env.STEPLOG_DIR ? "" : ` --dir ${shellQuote(cli.dir)}`;
}

export { maskPassword };

/**
 * The command line that resumes a run by re-running its script, for advice: `node /app/sync.mjs --run-id …`.
 *
 * @example
 * ```ts
 * cli.err(`to continue: ${scriptCommand(run.header, cli)}`);
 * ```
 */
export function scriptCommand(header: RunHeader, cli: Pick<Cli, "dir" | "databaseUrl">): string | undefined {
  const { entry } = header;
  if (entry.script === null) return undefined;
  const exec = entry.execArgv.length === 0 ? "node" : [shellQuote(entry.execPath), ...entry.execArgv.map(shellQuote)].join(" ");
  if (cli.databaseUrl !== undefined) return `STEPLOG_DATABASE_URL=${shellQuote(maskPassword(cli.databaseUrl))} ${exec} ${shellQuote(entry.script)} --run-id ${header.runId}`;
  return `${exec} ${shellQuote(entry.script)} --run-id ${header.runId} --dir ${shellQuote(cli.dir)}`;
}
