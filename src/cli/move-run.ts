/**
 * Moving a run between the file store of the state directory and PostgreSQL (`steplog export`, `steplog
 * import`) with `exportRun`. A copy left behind by an earlier move (ended as cancelled, "moved to …") is
 * replaced, so a run can go to PostgreSQL and come back.
 */
import { UsageError } from "../errors.js";
import type { EndRecord } from "../journal/records.js";
import { checkRunId } from "../names.js";
import { storeFromOptions } from "../store/postgres/select-store.js";
import type { Store } from "../store/store.js";
import { exportRun, type ExportedRun } from "../store/transfer.js";
import type { Cli } from "./command.js";
import { removeRun, type StoreKind } from "./remove-run.js";

/** Which way a run moves. */
export type Direction = "to-postgres" | "to-file";

/**
 * Moves run `id` between the file store at `cli.dir` and the PostgreSQL store at `databaseUrl`.
 *
 * @example
 * ```ts
 * const moved = await moveRun(cli, cli.args[0], "to-postgres", "postgres://app@db/app");
 * ```
 */
export async function moveRun(cli: Cli, id: string | undefined, direction: Direction, databaseUrl: string | undefined): Promise<ExportedRun & { from: string; to: string }> {
  const runId = checkRunId(id);
  const flag = direction === "to-postgres" ? "--to-database-url" : "--from-database-url";
  if (databaseUrl === undefined) throw new UsageError(`give the PostgreSQL store: ${flag} postgres://user@host:5432/db (or --database-url, or set STEPLOG_DATABASE_URL)`);
  const file = await storeFromOptions({ dir: cli.dir, env: {} });
  const reuse = databaseUrl === cli.databaseUrl;
  const schema = cli.string("database-schema") ?? cli.env.STEPLOG_DATABASE_SCHEMA;
  const pg = reuse ? cli.store() : await storeFromOptions({ databaseUrl, env: {}, ...(schema ? { schema } : {}) });
  try {
    const [from, to] = direction === "to-postgres" ? [file, pg] : [pg, file];
    const toKind: StoreKind = direction === "to-postgres" ? { kind: "postgres" } : { kind: "file", dir: cli.dir };
    const source = await from.getRun(runId);
    if (source === undefined) throw new UsageError(`unknown run id ${runId}: there is no such run in the ${from.description}; find run ids with 'steplog list'`);
    await removeMovedCopy(to, toKind, runId);
    const moved = await exportRun(from, runId, to);
    return { ...moved, from: from.description, to: to.description };
  } finally {
    if (!reuse) await pg.close().catch(() => undefined);
  }
}

/** Removes the destination's copy of the run when an earlier move away from it left that copy. */
async function removeMovedCopy(store: Store, kind: StoreKind, runId: string): Promise<void> {
  const summary = await store.getRun(runId);
  if (summary === undefined) return;
  const run = await store.loadRun(runId);
  const end = [...run.records].reverse().find((r): r is EndRecord => r.type === "end");
  if (end?.status !== "cancelled" || end.error?.name !== "RunMovedError") {
    throw new UsageError(`run ${runId} already exists in the ${store.description} (${summary.status}) and was not moved away from it; nothing was moved`);
  }
  await removeRun(store, kind, summary.workflow, runId);
}

/**
 * The database URL of `export`/`import`: the command's own flag, else `--database-url` or STEPLOG_DATABASE_URL.
 *
 * @example
 * ```ts
 * const url = moveTarget(cli, "to-database-url");
 * ```
 */
export function moveTarget(cli: Cli, flag: "to-database-url" | "from-database-url"): string | undefined {
  return cli.string(flag) ?? cli.databaseUrl;
}
