/**
 * Temporary lock directories, and locks planted in them as another holder would have left them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ownerRecordOfThisProcess, type OwnerRecord } from "../../src/lock/owner.js";

const roots: string[] = [];

/**
 * A fresh `<tmp>/locks` path (not yet created); removed by {@link removeTempDirs}.
 *
 * @example
 * ```ts
 * const lockDir = tempLockDir();
 * ```
 */
export function tempLockDir(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-lock-"));
  roots.push(root);
  return path.join(root, "locks");
}

/**
 * Removes every directory made by {@link tempLockDir}.
 *
 * @example
 * ```ts
 * afterEach(removeTempDirs);
 * ```
 */
export function removeTempDirs(): void {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
}

let planted = 0;

/**
 * Leaves the lock `name` held by `owner` (this process's record with the given changes), with the lock time
 * set to `mtime` when given.
 *
 * @example
 * ```ts
 * plantLock(lockDir, "job", { pid: 12345, startTime: "1" });
 * ```
 */
export function plantLock(lockDir: string, name: string, owner: Partial<OwnerRecord>, mtime?: Date): OwnerRecord {
  const record: OwnerRecord = { ...ownerRecordOfThisProcess(1, Date.now()), ...owner };
  const lock = path.join(lockDir, `${name}.lock`);
  fs.mkdirSync(lock, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(lock, `owner.planted-${planted++}.json`), JSON.stringify(record));
  if (mtime !== undefined) fs.utimesSync(lock, mtime, mtime);
  return record;
}
