/**
 * The PID-aware lock of one (workflow, key) in the file store. proper-lockfile holds it (create, mtime
 * updates, compromise detection); an owner record inside names the holder; `<name>.epoch` beside it hands every
 * new holder a higher fencing token. Files in the lock directory:
 *
 *   <name>.lock/owner.<token>.json   a held lock; a held lock is never empty, and an empty one is free
 *   <name>.epoch                     the last epoch handed out (17 bytes, rewritten in place)
 *   .<name>.<token>.candidate/       a lock being taken, with its owner record already inside
 *
 * Hazard (reclaim): proper-lockfile's own stale reclaim is remove-then-create, so two contenders can both win.
 * Here a lock is taken by renaming a prepared candidate directory onto `<name>.lock` (rename succeeds only onto
 * a missing or empty directory), and a stale lock is reclaimed by unlinking its owner record, whose name is
 * unique to that holder: one unlink succeeds, it can never touch a later holder, and the empty directory it
 * leaves is replaced by exactly one rename. rmdir, whoever calls it, cannot remove a held lock.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type lockfileModule from "proper-lockfile";
import { systemClock } from "../clock.js";
import { LockLostError, PersistenceError, UsageError, messageOf } from "../errors.js";
import type { LockBusy, LockOptions, LockOwner, RunLease } from "../store/store.js";
import {
  OWNER_PREFIX, checkDirectory, ensureLockDir, errnoCode, ignoreCodes, lockExists, lockPaths, lstatOrUndefined,
  readHeldLock, type LockPaths,
} from "./lock-files.js";
import { markTakeover } from "./takeover-marker.js";
import { advanceEpochAsync, isOwnerGone, ownerRecordOfThisProcess, readEpochAsync, toLockOwner, type OwnerRecord } from "./owner.js";

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions extends LockOptions {
  /**
   * A lock whose time was not refreshed for this long, or lies this far in the future, is stale (when its owner
   * cannot be checked directly). At least 2000.
   * @default 10_000
   */
  staleMs?: number;
  /**
   * How often the holder refreshes the lock time. Between 1000 and `staleMs / 2`.
   * @default staleMs / 2
   */
  updateMs?: number;
}

const DEFAULT_STALE_MS = 10_000;
const FIRST_WAIT_MS = 10;
const MAX_WAIT_MS = 1_000;
/** Retries without sleeping after a reclaim or a lock that vanished, before counting the lock as busy. */
const MAX_IMMEDIATE_RETRIES = 20;
const EPOCH_MOVED = "STEPLOG_EPOCH_MOVED";

/** One try at taking the lock, from its prepared candidate directory to a lease. */
interface Attempt {
  paths: LockPaths;
  record: OwnerRecord;
  /** The epoch file's value when the candidate was prepared; the new epoch is this plus one. */
  epochBase: number;
  candidate: string;
  ownerName: string;
  /** Key of proper-lockfile's table of held locks: unique per attempt, so releases never mix up holders. */
  key: string;
  claimed: boolean;
  releasing: boolean;
  /** The owner record and the lock directory were removed by this holder's release. */
  removed: boolean;
}

type Outcome = { lease: RunLease } | { retry: true } | { busy: LockOwner | undefined };

/**
 * Takes the lock `name` in `lockDir` (created with mode 0700 when missing). A lock whose owner is a process of
 * this host that no longer runs is reclaimed at once; any other lock only once stale (`staleMs`). With
 * `onLocked` "skip" or "fail" a held lock returns `{ busy: true, owner }` at once; with "wait" it polls until it
 * gets the lock, and rejects with the signal's reason if `options.signal` aborts first.
 *
 * @example
 * ```ts
 * const result = await acquireFileLock(".steplog/locks", "nightly~2024-06-01", { onLocked: "skip", onLost: abortRun });
 * if (isLockBusy(result)) console.log(`already running (pid ${result.owner?.pid})`);
 * else try { await work(result.epoch) } finally { await result.release() }
 * ```
 */
export async function acquireFileLock(lockDir: string, name: string, options: FileLockOptions): Promise<RunLease | LockBusy> {
  const paths = lockPaths(lockDir, name);
  const timing = resolveTiming(options);
  ensureLockDir(paths.dir);
  let waitMs = FIRST_WAIT_MS;
  let immediateRetries = 0;
  while (true) {
    const outcome = await attemptOnce(paths, options, timing);
    if ("lease" in outcome) return outcome.lease;
    if ("retry" in outcome && ++immediateRetries <= MAX_IMMEDIATE_RETRIES) continue;
    const owner = "busy" in outcome ? outcome.busy : undefined;
    if (options.onLocked !== "wait") return { busy: true, owner };
    await systemClock.sleep(waitMs * (0.75 + Math.random() / 2), options.signal);
    waitMs = Math.min(waitMs * 2, MAX_WAIT_MS);
    immediateRetries = 0;
  }
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

function resolveTiming(options: FileLockOptions): { staleMs: number; updateMs: number } {
  if (options.onLocked !== "skip" && options.onLocked !== "wait" && options.onLocked !== "fail") {
    throw new UsageError(`Expected \`onLocked\` to be "skip", "wait" or "fail", got ${JSON.stringify(options.onLocked)}`);
  }
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  if (!Number.isSafeInteger(staleMs) || staleMs < 2_000) {
    throw new UsageError(`Expected \`staleMs\` to be an integer of at least 2000, got ${staleMs}`);
  }
  const updateMs = options.updateMs ?? Math.floor(staleMs / 2);
  if (!Number.isSafeInteger(updateMs) || updateMs < 1_000 || updateMs > staleMs / 2) {
    throw new UsageError(`Expected \`updateMs\` to be an integer from 1000 to staleMs / 2 (${staleMs / 2}), got ${updateMs}`);
  }
  return { staleMs, updateMs };
}

let lockfileLoaded: typeof lockfileModule | undefined;
/** proper-lockfile (and graceful-fs, which it loads) is required when a first lock is taken, not at import. */
const loadLockfile = (): typeof lockfileModule => (lockfileLoaded ??= createRequire(import.meta.url)("proper-lockfile") as typeof lockfileModule);

async function attemptOnce(paths: LockPaths, options: FileLockOptions, timing: { staleMs: number; updateMs: number }): Promise<Outcome> {
  const lockfile = loadLockfile();
  const attempt = await prepareAttempt(paths);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(attempt.key, {
      lockfilePath: paths.lock,
      realpath: false,
      stale: timing.staleMs,
      update: timing.updateMs,
      retries: 0,
      fs: lockfileFs(attempt),
      onCompromised: (error) => reportLost(attempt, options.onLost, error),
    });
  } catch (error) {
    if (attempt.claimed) removeOwnLock(attempt);
    else removeCandidate(attempt);
    const code = errnoCode(error);
    // EPOCH_MOVED: another holder came and went since the candidate was made. ENOENT after the rename: the new
    // lock was taken away before proper-lockfile finished (forceUnlock, or reclaimed after a long stall).
    if (code === EPOCH_MOVED || (attempt.claimed && code === "ENOENT")) return { retry: true };
    if (code === "ELOCKED" || code === "EEXIST" || code === "ENOTEMPTY") return inspectHeldLock(paths, timing.staleMs);
    checkDirectory(paths.lock, lstatOrUndefined(paths.lock), "lock path");
    if (error instanceof PersistenceError) throw error;
    throw new PersistenceError(`cannot take the lock ${paths.lock}: ${messageOf(error)}`, { cause: error });
  }
  if (!fs.existsSync(path.join(paths.lock, attempt.ownerName))) {
    // Reclaimed between the rename and now (this process stalled for longer than staleMs): not ours.
    attempt.releasing = true;
    await release().catch(() => undefined);
    return { retry: true };
  }
  return { lease: leaseOf(attempt, release) };
}

let tokenPrefix: string | undefined;
let tokenCount = 0;

/*
 * The calls that allocate or free inodes (the candidate's mkdir, the owner record's and the epoch file's open,
 * release's unlink and rmdir) run on the thread pool: each may take 0.1 ms or more, and many runs of one process
 * take their locks at once. Within one attempt they run in the same order as before.
 */
async function prepareAttempt(paths: LockPaths): Promise<Attempt> {
  tokenPrefix ??= `${process.pid}-${randomBytes(4).toString("hex")}`;
  const token = `${tokenPrefix}-${tokenCount++}`;
  const epochBase = await readEpochAsync(paths.epoch);
  const attempt: Attempt = {
    paths,
    record: ownerRecordOfThisProcess(epochBase + 1, Date.now()),
    epochBase,
    candidate: path.join(paths.dir, `.${paths.name}.${token}.candidate`),
    ownerName: `${OWNER_PREFIX}${token}.json`,
    key: path.join(paths.dir, `${paths.name}.${token}`),
    claimed: false,
    releasing: false,
    removed: false,
  };
  try {
    await callback<void>((done) => fs.mkdir(attempt.candidate, 0o700, (error) => done(error)));
    const fd = await callback<number>((done) => fs.open(path.join(attempt.candidate, attempt.ownerName), "wx", 0o600, done));
    try {
      fs.writeFileSync(fd, JSON.stringify(attempt.record));
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    removeCandidate(attempt);
    throw new PersistenceError(`cannot prepare the lock ${paths.lock}: ${messageOf(error)}`, { cause: error });
  }
  return attempt;
}

/** Runs a callback-style fs call as a promise. */
function callback<T>(call: (done: (error: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value as T))));
}

/** The `fs` proper-lockfile uses for this attempt: its mkdir renames the candidate into place. */
function lockfileFs(attempt: Attempt) {
  const settle = (done: (error: Error | null) => void, action: () => Promise<void>) => {
    action().then(() => done(null), (error: unknown) => done(error as Error));
  };
  return {
    // Once held, proper-lockfile's stat also proves the lock is still this holder's: its mtime check alone can
    // miss a takeover, since its first mtime is rounded to the second and a new holder within it gets the same.
    stat: (file: string, callback: (error: Error | null, stat?: fs.Stats) => void) => {
      if (attempt.claimed && !fs.existsSync(path.join(attempt.paths.lock, attempt.ownerName))) {
        const gone = `its owner record ${attempt.ownerName} is gone (another process removed or reclaimed the lock)`;
        return process.nextTick(callback, Object.assign(new Error(gone), { code: "ENOENT" }));
      }
      fs.stat(file, callback);
    },
    utimes: fs.utimes,
    realpath: fs.realpath,
    mkdir: (_path: string, done: (error: Error | null) => void) => settle(done, () => claim(attempt)),
    // Outside a release this is proper-lockfile removing a lock it judged stale: plain rmdir, which only
    // succeeds on an empty (free) lock directory.
    rmdir: (_path: string, done: (error: Error | null) => void) =>
      settle(done, () => (attempt.releasing ? removeOwnLockAsync(attempt) : callback<void>((cb) => fs.rmdir(attempt.paths.lock, (error) => cb(error))))),
    // Called on process exit for locks still held.
    rmdirSync: () => void ignoreCodes(() => removeOwnLock(attempt)),
  };
}

/** Renames the candidate onto the lock path, then hands out the next epoch (or gives the lock back). */
async function claim(attempt: Attempt): Promise<void> {
  const { paths } = attempt;
  try {
    fs.renameSync(attempt.candidate, paths.lock); // allocates no inode: quick
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOTEMPTY" || code === "EEXIST") throw Object.assign(new Error(`${paths.lock} is held`), { code: "EEXIST" });
    throw error;
  }
  attempt.claimed = true;
  let advanced = false;
  try {
    advanced = await advanceEpochAsync(paths.epoch, attempt.epochBase, attempt.record.epoch);
  } finally {
    if (!advanced) removeOwnLock(attempt);
  }
  if (!advanced) throw Object.assign(new Error(`another holder of ${paths.lock} came in between`), { code: EPOCH_MOVED });
}

/** Removes this attempt's owner record, then the lock directory if that left it empty. */
function removeOwnLock(attempt: Attempt): void {
  ignoreCodes(() => fs.unlinkSync(path.join(attempt.paths.lock, attempt.ownerName)), "ENOENT");
  ignoreCodes(() => fs.rmdirSync(attempt.paths.lock), "ENOENT", "ENOTEMPTY", "EEXIST");
}

/** {@link removeOwnLock} on the thread pool. */
async function removeOwnLockAsync(attempt: Attempt): Promise<void> {
  const ignore = (error: NodeJS.ErrnoException | null, ...codes: string[]) => (error && !codes.includes(error.code ?? "") ? error : null);
  await callback<void>((done) => fs.unlink(path.join(attempt.paths.lock, attempt.ownerName), (error) => done(ignore(error, "ENOENT"))));
  await callback<void>((done) => fs.rmdir(attempt.paths.lock, (error) => done(ignore(error, "ENOENT", "ENOTEMPTY", "EEXIST"))));
  attempt.removed = true;
}

function removeCandidate(attempt: Attempt): void {
  ignoreCodes(() => fs.unlinkSync(path.join(attempt.candidate, attempt.ownerName)));
  ignoreCodes(() => fs.rmdirSync(attempt.candidate));
}

/** Busy with its owner, or (when the owner is gone or the lock stale) reclaimed and to be tried again. */
function inspectHeldLock(paths: LockPaths, staleMs: number): Outcome {
  const held = readHeldLock(paths);
  if (held === undefined) return { retry: true };
  const now = Date.now();
  const timeStale = held.mtimeMs < now - staleMs || held.mtimeMs > now + staleMs;
  const gone = held.record !== undefined && isOwnerGone(held.record);
  if (held.ownerFile === undefined || !(gone || timeStale)) return { busy: held.record && toLockOwner(held.record) };
  // Of all contenders that judged this holder stale, exactly one unlink succeeds; the rest see ENOENT.
  const ownerFile = held.ownerFile;
  try {
    if (!gone) markTakeover(paths.dir, paths.name); // the owner may still run: the next holder fences the journal
    ignoreCodes(() => fs.unlinkSync(ownerFile), "ENOENT");
  } catch (error) {
    throw new PersistenceError(`cannot reclaim the stale lock ${paths.lock}: ${messageOf(error)}`, { cause: error });
  }
  return { retry: true };
}

function leaseOf(attempt: Attempt, release: () => Promise<void>): RunLease {
  let released: Promise<void> | undefined;
  return {
    epoch: attempt.record.epoch,
    owner: toLockOwner(attempt.record),
    release: () => (released ??= releaseLock(attempt, release)),
  };
}

async function releaseLock(attempt: Attempt, release: () => Promise<void>): Promise<void> {
  attempt.releasing = true;
  try {
    // After a compromise proper-lockfile answers ERELEASED and removes nothing, so remove what is still ours.
    await release().catch((error: unknown) => (errnoCode(error) === "ERELEASED" ? undefined : Promise.reject(error)));
    if (!attempt.removed) await removeOwnLockAsync(attempt);
  } catch (error) {
    throw new PersistenceError(`cannot release the lock ${attempt.paths.lock}: ${messageOf(error)}`, { cause: error });
  }
}

/** proper-lockfile's onCompromised: runs in a timer callback, so it must never throw. */
function reportLost(attempt: Attempt, onLost: ((error: Error) => void) | undefined, cause: Error): void {
  if (attempt.releasing) return;
  const lost = new LockLostError(
    `lost the lock ${attempt.paths.lock} (epoch ${attempt.record.epoch}): ${cause.message}; another process may hold it now`,
    { cause },
  );
  try {
    if (onLost) onLost(lost);
    else process.emitWarning(lost);
  } catch (error) {
    process.emitWarning(error instanceof Error ? error : String(error));
  }
}

