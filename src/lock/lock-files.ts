/**
 * The files of the file lock: where a lock lives (`<dir>/<name>.lock`, `<name>.epoch`), reading a held lock and
 * its owner record, who holds a lock and removing it by hand (`steplog unlock`), and the small fs helpers that
 * refuse symlinks where a directory belongs.
 */
import { fs, path } from "../builtins.js";
import type { Stats } from "node:fs";
import { PersistenceError, UsageError, messageOf } from "../errors.js";
import type { LockOwner } from "../store/store.js";
import { parseOwnerRecord, toLockOwner, type OwnerRecord } from "./owner.js";

/** Owner records inside a held lock are named `owner.<token>.json`. */
export const OWNER_PREFIX = "owner.";

/** The paths of one lock. */
export interface LockPaths {
  dir: string;
  name: string;
  lock: string;
  epoch: string;
}

/** The paths of the lock `name` in `lockDir`; refuses a name that is not a plain file name (UsageError). */
export function lockPaths(lockDir: string, name: string): LockPaths {
  if (
    typeof name !== "string" ||
    name.length === 0 ||
    Buffer.byteLength(name) > 200 ||
    name.includes("/") ||
    name.includes("\0") ||
    name === "." ||
    name === ".."
  ) {
    throw new UsageError(`Expected the lock name to be a file name of 1 to 200 bytes without "/" or NUL, other than "." and "..", got ${JSON.stringify(name)}`);
  }
  const dir = path.resolve(lockDir);
  return { dir, name, lock: path.join(dir, `${name}.lock`), epoch: path.join(dir, `${name}.epoch`) };
}

/** Whether the lock path exists; refuses a lock directory or lock path that is a symlink or not a directory. */
export function lockExists(paths: LockPaths): boolean {
  const dirStat = lstatOrUndefined(paths.dir);
  checkDirectory(paths.dir, dirStat, "lock directory");
  const lockStat = dirStat && lstatOrUndefined(paths.lock);
  checkDirectory(paths.lock, lockStat, "lock path");
  return lockStat !== undefined;
}

/** Creates the lock directory (0700) when missing; refuses one that is a symlink or not a directory. */
export function ensureLockDir(dir: string): void {
  if (lstatOrUndefined(dir) === undefined) {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new PersistenceError(`cannot create the lock directory ${dir}: ${messageOf(error)}`, { cause: error });
    }
  }
  checkDirectory(dir, lstatOrUndefined(dir), "lock directory");
}

/**
 * Who holds the lock `name` (as its owner record says; the holder may be gone), or undefined when it is free.
 *
 * @example
 * ```ts
 * const owner = readLockOwner(".steplog/locks", "nightly~2024-06-01");
 * if (owner) console.log(`held by pid ${owner.pid} on ${owner.host} since ${new Date(owner.since).toISOString()}`);
 * ```
 */
export function readLockOwner(lockDir: string, name: string): LockOwner | undefined {
  const paths = lockPaths(lockDir, name);
  const held = lockExists(paths) ? readHeldLock(paths) : undefined;
  return held?.record && toLockOwner(held.record);
}

/**
 * Removes the lock `name` whoever holds it; true when there was a holder to remove. A live holder notices at
 * its next update and reports the lock lost.
 *
 * @example
 * ```ts
 * if (forceUnlock(".steplog/locks", "nightly~2024-06-01")) console.log("unlocked");
 * ```
 */
export function forceUnlock(lockDir: string, name: string): boolean {
  const paths = lockPaths(lockDir, name);
  if (!lockExists(paths)) return false;
  let removed = false;
  try {
    for (const entry of fs.readdirSync(paths.lock)) {
      // Entry names are unique to their holder, so this never removes a holder that came in meanwhile.
      removed = ignoreCodes(() => (fs.unlinkSync(path.join(paths.lock, entry)), true), "ENOENT", "EISDIR") ?? removed;
    }
    ignoreCodes(() => fs.rmdirSync(paths.lock), "ENOENT", "ENOTEMPTY", "EEXIST");
  } catch (error) {
    throw new PersistenceError(`cannot remove the lock ${paths.lock}: ${messageOf(error)}`, { cause: error });
  }
  return removed;
}

/** A held lock as read from disk. */
export interface HeldLock {
  /** The owner record's path; undefined when the directory holds something else. */
  ownerFile: string | undefined;
  record: OwnerRecord | undefined;
  mtimeMs: number;
}

/** The lock as it stands, or undefined when it is free (missing or empty) or changed while being read. */
export function readHeldLock(paths: LockPaths): HeldLock | undefined {
  const first = lstatOrUndefined(paths.lock);
  if (first === undefined) return undefined;
  checkDirectory(paths.lock, first, "lock path");
  try {
    const entries = ignoreCodes(() => fs.readdirSync(paths.lock), "ENOENT");
    if (entries === undefined || entries.length === 0) return undefined;
    const ownerName = entries.find((entry) => entry.startsWith(OWNER_PREFIX));
    const ownerFile = ownerName === undefined ? undefined : path.join(paths.lock, ownerName);
    const text = ownerFile === undefined ? "" : ignoreCodes(() => readTextNoFollow(ownerFile), "ENOENT");
    if (text === undefined) return undefined;
    // The lock time must be that of the lock holding this record, not of one before it: read it after the
    // record, then check the record is still there (its name is never reused, so it was there all along).
    const stat = lstatOrUndefined(paths.lock);
    if (stat === undefined || (ownerFile !== undefined && !fs.existsSync(ownerFile))) return undefined;
    return { ownerFile, record: ownerFile === undefined ? undefined : parseOwnerRecord(text), mtimeMs: stat.mtimeMs };
  } catch (error) {
    if (error instanceof PersistenceError) throw error;
    throw new PersistenceError(`cannot read the lock ${paths.lock}: ${messageOf(error)}`, { cause: error });
  }
}

/** The errno code of an fs error. */
export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Runs `action`; an error with one of `codes` (any error when none are given) yields undefined instead. */
export function ignoreCodes<T>(action: () => T, ...codes: string[]): T | undefined {
  try {
    return action();
  } catch (error) {
    if (codes.length === 0 || codes.includes(errnoCode(error) ?? "")) return undefined;
    throw error;
  }
}

/** lstat, or undefined when the path does not exist. */
export function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw new PersistenceError(`cannot read ${file}: ${messageOf(error)}`, { cause: error });
  }
}

/** Refuses a symlink or a non-directory where a directory belongs (a missing one passes). */
export function checkDirectory(file: string, stat: Stats | undefined, what: string): void {
  if (stat?.isSymbolicLink()) {
    throw new PersistenceError(`${what} ${file} is a symbolic link; steplog refuses to follow links in its state directory`);
  }
  if (stat !== undefined && !stat.isDirectory()) throw new PersistenceError(`${what} ${file} is not a directory`);
}

/** A small file's text, refusing a symlink. */
export function readTextNoFollow(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    return fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
}
