/**
 * Keeping a held lock fresh: proper-lockfile takes over a lock this process already holds (src/lock/file-lock.ts
 * takes it by renaming a prepared directory into place), refreshes the lock time every `updateMs`, reports the
 * lock compromised when its time or owner record changed under it, and removes it when the process exits.
 *
 * The take-over may wait a moment: proper-lockfile and graceful-fs, retry and signal-exit, which it loads, cost
 * several milliseconds of module loading, and a script resuming a crashed run should not wait for them before its
 * first step. Until the take-over the lock is held all the same (its owner record names this process and the lock
 * time is the moment it was taken); only the first refresh, due `updateMs` later, needs proper-lockfile.
 */
import { createRequire, fs } from "../builtins.js";
import type { Stats } from "node:fs";
import type lockfileModule from "proper-lockfile";

/** The lock held by one holder, as proper-lockfile sees it. */
export interface HeldLock {
  /** The lock directory. */
  readonly lockPath: string;
  /** proper-lockfile's key of this holder: unique per holder, so releases never mix up holders. */
  readonly key: string;
  /** True while this holder's owner record is in the lock directory. */
  isOurs(): boolean;
  /** Removes this holder's owner record, then the lock directory if that left it empty. */
  remove(): Promise<void>;
  /** {@link HeldLock.remove}, synchronously (at process exit). */
  removeSync(): void;
}

/** Lock timing, validated by the caller. */
export interface RefreshTiming {
  staleMs: number;
  updateMs: number;
}

let lockfileLoaded: typeof lockfileModule | undefined;
/** proper-lockfile (and graceful-fs, which it loads) is required at the first take-over, not at import. */
const loadLockfile = (): typeof lockfileModule => (lockfileLoaded ??= createRequire(import.meta.url)("proper-lockfile") as typeof lockfileModule);

/** Whether proper-lockfile is loaded already (a take-over then costs only its two file system calls). */
export function lockfileReady(): boolean {
  return lockfileLoaded !== undefined;
}

/**
 * The refresh of one held lock: hands the lock to proper-lockfile (now or after a delay) and stops on release.
 *
 * @example
 * ```ts
 * const refresh = new LockRefresh(held, { staleMs: 10_000, updateMs: 5_000 }, (error) => abortRun(error));
 * await refresh.takeOverNow();
 * // ... later, on release:
 * await refresh.stop();
 * ```
 */
export class LockRefresh {
  #timer: NodeJS.Timeout | undefined;
  #takingOver: Promise<void> | undefined;
  #release: (() => Promise<void>) | undefined;
  #stopped = false;

  /**
   * @param onCompromised called (at most once, from a timer or a file system callback) when the lock is found
   *   taken by another process or cannot be refreshed; never after {@link LockRefresh.stop}.
   */
  constructor(
    private readonly held: HeldLock,
    private readonly timing: RefreshTiming,
    private readonly onCompromised: (error: Error) => void,
  ) {}

  /** Hands the lock to proper-lockfile; rejects when that fails (the lock was taken away meanwhile: ENOENT). */
  takeOverNow(): Promise<void> {
    return (this.#takingOver ??= this.#takeOver());
  }

  /** Hands the lock to proper-lockfile after `delayMs` (unless stopped before); a failure is reported as compromised. */
  takeOverLater(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.takeOverNow().catch((error: unknown) => {
        if (!this.#stopped) this.onCompromised(error instanceof Error ? error : new Error(String(error)));
      });
    }, delayMs);
    this.#timer.unref();
  }

  /**
   * Stops refreshing: cancels a take-over not yet started, or lets proper-lockfile unlock (which removes this
   * holder's lock through {@link HeldLock.remove}). Idempotent; never rejects on a lock already compromised.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#takingOver?.catch(() => undefined);
    const release = this.#release;
    this.#release = undefined;
    // After a compromise proper-lockfile answers ERELEASED and removes nothing; the caller removes what is ours.
    if (release) await release().catch((error: unknown) => ((error as NodeJS.ErrnoException).code === "ERELEASED" ? undefined : Promise.reject(error)));
  }

  async #takeOver(): Promise<void> {
    const lockfile = loadLockfile();
    const release = await lockfile.lock(this.held.key, {
      lockfilePath: this.held.lockPath,
      realpath: false,
      stale: this.timing.staleMs,
      update: this.timing.updateMs,
      retries: 0,
      fs: this.#fs(),
      onCompromised: (error) => {
        if (!this.#stopped) this.onCompromised(error);
      },
    });
    // Stopped while proper-lockfile was taking over: give the lock back at once.
    if (this.#stopped) await release().catch(() => undefined);
    else this.#release = release;
  }

  /** The `fs` proper-lockfile uses: its mkdir only checks that the lock is still this holder's. */
  #fs() {
    const held = this.held;
    const gone = () => Object.assign(new Error(`${held.lockPath} is no longer held by this process (its owner record is gone)`), { code: "ENOENT" });
    return {
      mkdir: (_path: string, done: (error: Error | null) => void) => process.nextTick(done, held.isOurs() ? null : gone()),
      // proper-lockfile's stat also proves the lock is still this holder's: its mtime check alone can miss a
      // takeover, since its first mtime is rounded to the second and a new holder within it gets the same.
      stat: (file: string, callback: (error: Error | null, stat?: Stats) => void) => {
        if (!held.isOurs()) return process.nextTick(callback, gone());
        fs.stat(file, callback);
      },
      utimes: fs.utimes,
      realpath: fs.realpath,
      // Called to unlock (and, if its first time probe fails, to give the lock back): removes only what is ours.
      rmdir: (_path: string, done: (error: Error | null) => void) => {
        held.remove().then(() => done(null), (error: unknown) => done(error as Error));
      },
      // Called on process exit for locks still held.
      rmdirSync: () => held.removeSync(),
    };
  }
}
