/**
 * The PID-aware lock of one (workflow, key) in the file store. It is taken by renaming a prepared directory into
 * place; proper-lockfile then keeps it (mtime updates, compromise detection, removal at exit: ./lock-refresh.ts);
 * an owner record inside names the holder; `<name>.epoch` beside it hands every new holder a higher fencing
 * token. Files in the lock directory:
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
import { fs, path } from "../builtins.js";
import { systemClock } from "../clock.js";
import { LockLostError, PersistenceError, UsageError, messageOf } from "../errors.js";
import { randomHex } from "../random-token.js";
import type { LockBusy, LockOptions, LockOwner, RunLease } from "../store/store.js";
import {
  OWNER_PREFIX, checkDirectory, ensureLockDir, errnoCode, ignoreCodes, lockExists, lockPaths, lstatOrUndefined,
  readHeldLock, type LockPaths,
} from "./lock-files.js";
import { LockRefresh, lockfileReady, type HeldLock } from "./lock-refresh.js";
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
/**
 * How long after the lock is taken proper-lockfile takes it over, in a process that handles SIGINT and SIGTERM
 * itself (as `main()` does, releasing its lock on them): far below the first refresh (`updateMs` >= 1000), and
 * long enough that a script's first steps do not wait for proper-lockfile to load. Elsewhere the take-over happens
 * before the lock is returned, so that proper-lockfile's exit hook removes the lock on any signal from then on.
 */
const TAKEOVER_DELAY_MS = 100;

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
  /** proper-lockfile's refresh of the held lock. */
  refresh: LockRefresh | undefined;
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
  // A lock left by a process of this host that is gone (how a crashed run leaves it) is reclaimed before a
  // candidate is prepared: the first rename then succeeds.
  if (lockExists(paths)) reclaimFromGoneOwner(paths);
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

async function attemptOnce(paths: LockPaths, options: FileLockOptions, timing: { staleMs: number; updateMs: number }): Promise<Outcome> {
  const attempt = await prepareAttempt(paths);
  try {
    await claim(attempt);
  } catch (error) {
    if (attempt.claimed) removeOwnLock(attempt);
    else removeCandidate(attempt);
    const code = errnoCode(error);
    // EPOCH_MOVED: another holder came and went since the candidate was made.
    if (code === EPOCH_MOVED) return { retry: true };
    if (code === "EEXIST" || code === "ENOTEMPTY") return inspectHeldLock(paths, timing.staleMs);
    checkDirectory(paths.lock, lstatOrUndefined(paths.lock), "lock path");
    if (error instanceof PersistenceError) throw error;
    throw new PersistenceError(`cannot take the lock ${paths.lock}: ${messageOf(error)}`, { cause: error });
  }
  // Reclaimed between the rename and now (this process stalled for longer than staleMs): not ours.
  if (!ownsLock(attempt)) return { retry: true };
  heldLocks.track(attempt);
  const refresh = (attempt.refresh = new LockRefresh(heldLockOf(attempt), timing, (error) => reportLost(attempt, options.onLost, error)));
  if (!lockfileReady() && process.listenerCount("SIGINT") > 0 && process.listenerCount("SIGTERM") > 0) {
    refresh.takeOverLater(TAKEOVER_DELAY_MS);
  } else {
    try {
      await refresh.takeOverNow();
    } catch (error) {
      heldLocks.forget(attempt);
      removeOwnLock(attempt);
      // ENOENT: the new lock was taken away before proper-lockfile took it over (forceUnlock, or reclaimed
      // after a long stall).
      if (errnoCode(error) === "ENOENT") return { retry: true };
      throw new PersistenceError(`cannot take the lock ${paths.lock}: ${messageOf(error)}`, { cause: error });
    }
  }
  return { lease: leaseOf(attempt) };
}

function ownsLock(attempt: Attempt): boolean {
  return fs.existsSync(path.join(attempt.paths.lock, attempt.ownerName));
}

/** The held lock of an attempt, as its refresh sees it. */
function heldLockOf(attempt: Attempt): HeldLock {
  return {
    lockPath: attempt.paths.lock,
    key: attempt.key,
    isOurs: () => ownsLock(attempt),
    remove: () => removeOwnLockAsync(attempt),
    removeSync: () => void ignoreCodes(() => removeOwnLock(attempt)),
  };
}

/**
 * The locks this process holds, removed when it exits: proper-lockfile's exit hook does so for locks it took
 * over; this one also covers a lock taken moments before the exit, not yet taken over.
 */
const heldLocks = {
  attempts: new Set<Attempt>(),
  hooked: false,
  track(attempt: Attempt): void {
    this.attempts.add(attempt);
    if (this.hooked) return;
    this.hooked = true;
    process.on("exit", () => {
      for (const held of this.attempts) ignoreCodes(() => removeOwnLock(held));
    });
  },
  forget(attempt: Attempt): void {
    this.attempts.delete(attempt);
  },
};

let tokenPrefix: string | undefined;
let tokenCount = 0;

/*
 * The calls that allocate or free inodes (the candidate's mkdir, the owner record's and the epoch file's open,
 * release's unlink and rmdir) run on the thread pool: each may take 0.1 ms or more, and many runs of one process
 * take their locks at once. Within one attempt they run in the same order as before.
 */
async function prepareAttempt(paths: LockPaths): Promise<Attempt> {
  tokenPrefix ??= `${process.pid}-${randomHex(8)}`;
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
    refresh: undefined,
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
  // An owner that may still run (stale by time only): the next holder fences the journal.
  removeOwnerRecord(paths, held.ownerFile, !gone);
  return { retry: true };
}

/** Reclaims the lock when its owner is provably gone (see isOwnerGone); leaves any other lock alone. */
function reclaimFromGoneOwner(paths: LockPaths): void {
  const held = readHeldLock(paths);
  if (held?.ownerFile !== undefined && held.record !== undefined && isOwnerGone(held.record)) removeOwnerRecord(paths, held.ownerFile, false);
}

/** Of all contenders that judged a holder stale, exactly one unlink of its owner record succeeds; the rest see ENOENT. */
function removeOwnerRecord(paths: LockPaths, ownerFile: string, markTakeoverFirst: boolean): void {
  try {
    if (markTakeoverFirst) markTakeover(paths.dir, paths.name);
    ignoreCodes(() => fs.unlinkSync(ownerFile), "ENOENT");
  } catch (error) {
    throw new PersistenceError(`cannot reclaim the stale lock ${paths.lock}: ${messageOf(error)}`, { cause: error });
  }
}

function leaseOf(attempt: Attempt): RunLease {
  let released: Promise<void> | undefined;
  return {
    epoch: attempt.record.epoch,
    owner: toLockOwner(attempt.record),
    release: () => (released ??= releaseLock(attempt)),
  };
}

async function releaseLock(attempt: Attempt): Promise<void> {
  attempt.releasing = true;
  try {
    // Removes the lock through proper-lockfile when it took the lock over; what is still ours goes after that
    // (after a compromise proper-lockfile removes nothing).
    await attempt.refresh?.stop();
    if (!attempt.removed) await removeOwnLockAsync(attempt);
    heldLocks.forget(attempt);
  } catch (error) {
    throw new PersistenceError(`cannot release the lock ${attempt.paths.lock}: ${messageOf(error)}`, { cause: error });
  }
}

/** The refresh's onCompromised: runs in a timer or file system callback, so it must never throw. */
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

