/**
 * Removing a finished run from the selected store (`steplog gc`, and `steplog import`/`export` replacing a copy
 * that was moved away): its journal and inbox directory in the file store, its rows on PostgreSQL.
 */
import { fs } from "../builtins.js";
import { PersistenceError, UsageError, messageOf } from "../errors.js";
import { lockPaths } from "../lock/lock-files.js";
import type { PostgresStore } from "../store/postgres/postgres-store.js";
import { Layout } from "../store/file/layout.js";
import type { Store } from "../store/store.js";

/** Where a store keeps its runs: a state directory, or PostgreSQL. */
export type StoreKind = { kind: "file"; dir: string } | { kind: "postgres" };

/**
 * Removes the finished run `runId` of `workflow` from `store`.
 *
 * @example
 * ```ts
 * await removeRun(cli.store(), { kind: "file", dir: cli.dir }, "nightly", "01JD3Q8Z9X4M2N7P5R6S8T0V1W");
 * ```
 */
export async function removeRun(store: Store, where: StoreKind, workflow: string, runId: string): Promise<void> {
  if (where.kind === "postgres") {
    if (!(await (store as PostgresStore).deleteRun(runId))) throw new UsageError(`run ${runId} was not removed: it is unknown or no longer finished`);
    return;
  }
  const layout = new Layout(where.dir);
  const journal = layout.journal(workflow, runId);
  const inbox = layout.inboxDir(runId);
  // A run started without a key is keyed by its own id: its lock's epoch file goes with it, unless the lock is
  // held right now (a process that took it keeps counting from that file).
  const lock = lockPaths(layout.locksDir, layout.lockName(workflow, runId));
  try {
    fs.rmSync(inbox, { recursive: true, force: true });
    fs.rmSync(journal, { force: true });
    if (!fs.existsSync(lock.lock)) fs.rmSync(lock.epoch, { force: true });
  } catch (error) {
    throw new PersistenceError(`cannot remove run ${runId}: ${messageOf(error)}`, { cause: error });
  }
}
