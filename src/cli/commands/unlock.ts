/**
 * `steplog unlock <workflow> [--key K] [--force]`: removes a stuck lock of (workflow, key).
 */
import { os, path } from "../../builtins.js";
import { UsageError } from "../../errors.js";
import { forceUnlock, readLockOwner } from "../../lock/lock-files.js";
import { checkKey, checkWorkflowName, keyFileName } from "../../names.js";
import type { LockOwner } from "../../store/store.js";
import type { Command } from "../command.js";
import { formatTime } from "../format.js";

/**
 * The `unlock` command.
 *
 * @example
 * ```sh
 * steplog unlock nightly-report --key 2026-11-22
 * ```
 */
export const unlockCommand: Command = {
  name: "unlock",
  summary: "remove the lock of a workflow and key (refused while its owner is alive)",
  usage: "steplog unlock <workflow> [--key K] [--force]",
  options: { key: { type: "string" }, force: { type: "boolean" } },
  flagHelp: `  --key K   the run key (default: the workflow name, as main() uses)
  --force   remove the lock even when its owner process is alive or on another host`,
  positionals: [1, 1],
  help: `Removes the lock of (workflow, key). A lock whose owner died on this host is reclaimed automatically by
the next run, so this is rarely needed: for a lock held from another host, or a wedged process. A lock
whose owner is alive (or cannot be checked, on another host) is only removed with --force; the owner then
notices at its next update and stops with "lock lost". On PostgreSQL (--database-url) there are no file
locks: runs are held by leases that expire on their own, so unlock refuses (exit 10).

Examples:
  steplog unlock nightly-report
  steplog unlock nightly-report --key 2026-11-22 --force`,
  async run(cli) {
    const workflow = checkWorkflowName(cli.args[0]);
    const key = checkKey(cli.string("key") ?? workflow);
    if (cli.databaseUrl !== undefined) {
      throw new UsageError(`unlock removes a file lock; on PostgreSQL there is none to remove: ${workflow} (key ${key}) is held by a lease that expires on its own when its worker stops renewing it (30 s by default), and another worker then resumes the run`);
    }
    const locksDir = path.join(cli.dir, "locks");
    const name = `${workflow}@${keyFileName(key)}`;
    const owner = readLockOwner(locksDir, name);
    if (owner === undefined) {
      cli.result({ ok: true, workflow, key, locked: false }, () => `${workflow} (key ${key}) is not locked`);
      return 0;
    }
    const alive = ownerAlive(owner);
    if (alive !== false && !cli.bool("force")) {
      const who = `pid ${owner.pid} on ${owner.host} since ${formatTime(owner.since)}`;
      throw new UsageError(alive === true
        ? `${workflow} (key ${key}) is locked by a live process (${who}); stop it, or add --force to remove the lock anyway`
        : `${workflow} (key ${key}) is locked from another host (${who}); its owner cannot be checked from here; add --force if it is gone`);
    }
    const removed = forceUnlock(locksDir, name);
    cli.result({ ok: true, workflow, key, locked: false, removed, owner }, () => `removed the lock of ${workflow} (key ${key}), held by pid ${owner.pid} on ${owner.host}${alive === false ? " (no longer running)" : ""}`);
    return 0;
  },
};

/** True when alive, false when gone, undefined when it cannot be told (another host). */
function ownerAlive(owner: LockOwner): boolean | undefined {
  if (owner.host !== os.hostname()) return undefined;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
