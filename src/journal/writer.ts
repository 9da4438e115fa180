/**
 * The append-only journal writer. Every append is one complete write(2) of a whole line (looping on short
 * writes). Durable appends wait for a shared fdatasync: all lines written before a flush are covered by it,
 * so concurrent steps (Promise.all, many runs in one process) share fsyncs (group commit).
 *
 * Hazard: after any write or fsync error the file is truncated back to the last good (for fsync: last synced)
 * offset, the writer refuses every later append, and the error is a PersistenceError (exit 60).
 */
import { fs, path } from "../builtins.js";
import { LockLostError, PersistenceError, messageOf } from "../errors.js";
import { randomHex } from "../random-token.js";
import { framedLine } from "./codec.js";
import { crc32 } from "./crc32.js";
import { copyPrefix, fsyncDirectory, fsyncDirectoryInBackground, openAppend, openAppendAsync, openError } from "./file-io.js";
import { scheduleFlush, unscheduleFlush } from "./group-commit.js";

export { fsyncDirectory, openError };

const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY } = fs.constants;

/** How durable an appended record is when `ctx.step` resolves. */
export type Durability = "fsync" | "process";

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** How often an appending writer checks that its journal was not taken over (see throwIfTakenOver). */
const TAKEOVER_CHECK_MS = 250;

/** Options of a {@link JournalWriter}. */
export interface JournalWriterOptions {
  durability: Durability;
  /** Chain each line's CRC to the previous line's (journals); index files use independent lines. */
  chained?: boolean;
  /** Monotonic milliseconds, for spacing the takeover checks. @default performance.now */
  monotonicNow?: () => number;
}

/**
 * Appends framed lines to one journal file.
 *
 * Internal; the public surface is `ctx.step` and the stores.
 */
export class JournalWriter {
  private goodBytes: number;
  private syncedBytes: number;
  /**
   * Index files: the end of the last line appended with {@link syncSoon} (a line of a run with durability
   * "process" is written but never fsynced for its own sake). A journal in fsync mode wants all it holds.
   */
  private wantedBytes: number;
  private crc: number;
  private readonly monotonicNow: () => number;
  private failure: PersistenceError | LockLostError | undefined;
  private lastTakeoverCheck = Number.NEGATIVE_INFINITY;
  private waiters: Waiter[] = [];
  private closed = false;
  /** A new file's directory entry still has to be fsynced before anything in it counts as durable. */
  private directoryToSync: string | undefined;

  private constructor(
    readonly file: string,
    private readonly fd: number,
    size: number,
    lastCrc: number,
    private readonly options: JournalWriterOptions,
  ) {
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
    this.goodBytes = size;
    this.syncedBytes = size;
    this.wantedBytes = size;
    this.crc = lastCrc;
  }

  /**
   * Creates a new file holding `firstBody`. In fsync mode the file and its directory entry become durable with
   * the next shared flush (before any durable append resolves).
   */
  static create(file: string, firstBody: string, options: JournalWriterOptions): JournalWriter {
    return JournalWriter.createOn(openAppend(file, true), file, firstBody, options);
  }

  /** {@link JournalWriter.create} with the file's creation on the thread pool. */
  static async createAsync(file: string, firstBody: string, options: JournalWriterOptions): Promise<JournalWriter> {
    return JournalWriter.createOn(await openAppendAsync(file, true), file, firstBody, options);
  }

  private static createOn(fd: number, file: string, firstBody: string, options: JournalWriterOptions): JournalWriter {
    const writer = new JournalWriter(file, fd, 0, 0, options);
    if (options.durability === "fsync") writer.directoryToSync = path.dirname(file);
    try {
      writer.append(firstBody);
    } catch (error) {
      // Nothing of the new file is readable (a full disk): remove it rather than leave an empty journal behind.
      writer.close();
      try {
        fs.unlinkSync(file);
      } catch {
        // already gone
      }
      throw error;
    }
    return writer;
  }

  /** Opens a file of independent lines (an index) for appending at its end, creating it if missing. */
  static openIndex(file: string, options: JournalWriterOptions): JournalWriter {
    let fd: number;
    let created = false;
    try {
      fd = fs.openSync(file, O_WRONLY | O_APPEND | O_NOFOLLOW);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw openError(file, error);
      try {
        fd = fs.openSync(file, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CREAT, 0o600);
        created = true;
      } catch (error2) {
        throw openError(file, error2);
      }
    }
    return JournalWriter.indexOn(fd, created, file, options);
  }

  /** {@link JournalWriter.openIndex} with the opens on the thread pool. */
  static async openIndexAsync(file: string, options: JournalWriterOptions): Promise<JournalWriter> {
    const open = (flags: number) =>
      new Promise<number>((resolve, reject) => fs.open(file, flags, 0o600, (error, fd) => (error ? reject(error) : resolve(fd))));
    let fd: number;
    let created = false;
    try {
      fd = await open(O_WRONLY | O_APPEND | O_NOFOLLOW);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw openError(file, error);
      try {
        fd = await open(O_WRONLY | O_APPEND | O_NOFOLLOW | O_CREAT);
        created = true;
      } catch (error2) {
        throw openError(file, error2);
      }
    }
    return JournalWriter.indexOn(fd, created, file, options);
  }

  private static indexOn(fd: number, created: boolean, file: string, options: JournalWriterOptions): JournalWriter {
    const writer = new JournalWriter(file, fd, fs.fstatSync(fd).size, 0, { ...options, chained: false });
    if (created && options.durability === "fsync") writer.directoryToSync = path.dirname(file);
    return writer;
  }

  /**
   * Opens an existing journal for appending after recovery: `validBytes` is the end of the last good line (a torn
   * tail beyond it is cut off) and `lastCrc` the chain value of that line.
   *
   * Hazard (fencing): with `fence`, used when the lock was taken from an owner that may still run, the good lines
   * are copied to a new file that replaces the journal by rename. The old owner still has the old file open:
   * whatever it writes lands in a file no reader sees, and its next append is refused, since the file it holds
   * has no name any more. Without `fence` the file is appended to in place (the previous owner is gone).
   */
  static reopen(file: string, validBytes: number, lastCrc: number, options: JournalWriterOptions, fence = false): JournalWriter {
    if (!fence) {
      const fd = openAppend(file, false);
      try {
        if (fs.fstatSync(fd).size !== validBytes) {
          fs.ftruncateSync(fd, validBytes);
          fs.fsyncSync(fd);
        }
      } catch (error) {
        fs.closeSync(fd);
        throw new PersistenceError(`cannot cut the torn tail of ${file}: ${messageOf(error)}`, { cause: error });
      }
      return new JournalWriter(file, fd, validBytes, lastCrc, options);
    }
    let source: number;
    try {
      source = fs.openSync(file, O_RDONLY | O_NOFOLLOW);
    } catch (error) {
      throw openError(file, error);
    }
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomHex(12)}.tmp`);
    let fd: number | undefined;
    try {
      fd = fs.openSync(tmp, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      copyPrefix(source, fd, validBytes);
      fs.fsyncSync(fd);
      fs.renameSync(tmp, file);
    } catch (error) {
      if (fd !== undefined) fs.closeSync(fd);
      try {
        fs.unlinkSync(tmp);
      } catch {
        // not created, or already renamed
      }
      throw new PersistenceError(`cannot reopen ${file} for appending: ${messageOf(error)}`, { cause: error });
    } finally {
      fs.closeSync(source);
    }
    const writer = new JournalWriter(file, fd, validBytes, lastCrc, options);
    if (options.durability === "fsync") writer.directoryToSync = path.dirname(file);
    return writer;
  }

  /** Bytes of good data in the file. */
  get size(): number {
    return this.goodBytes;
  }

  /** Writes one record body now (write(2), not fsynced). Throws PersistenceError on failure. */
  append(body: string): void {
    this.throwIfFailed();
    if (this.options.chained !== false) this.throwIfTakenOver();
    const crc = crc32(body, this.options.chained === false ? 0 : this.crc);
    const line = framedLine(body, crc);
    const bytes = Buffer.byteLength(line);
    let written: number;
    try {
      written = fs.writeSync(this.fd, line);
      if (written < bytes) this.writeRest(Buffer.from(line).subarray(written));
    } catch (error) {
      this.fail(`cannot append to ${this.file}: ${messageOf(error)}`, error, this.goodBytes);
      throw this.failure;
    }
    this.goodBytes += bytes;
    this.crc = crc;
  }

  /**
   * Writes one record body and returns when it is as durable as the writer's durability asks: at once for
   * "process" (returns undefined, no promise), after the next shared fdatasync for "fsync".
   */
  appendDurable(body: string): Promise<void> | undefined {
    this.append(body);
    if (this.options.durability === "process") return undefined;
    return this.whenSynced();
  }

  /** In fsync mode, makes what was written durable with the next shared flush, without waiting for it. */
  syncSoon(): void {
    this.wantedBytes = this.goodBytes;
    if (this.options.durability === "fsync" && !this.failure && !this.closed) scheduleFlush(this);
  }

  /**
   * A promise for the next fdatasync that covers everything written so far (for an index file: everything
   * appended with {@link syncSoon}).
   */
  whenSynced(): Promise<void> {
    this.throwIfFailed();
    if (this.syncedBytes >= this.bytesToSync()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      scheduleFlush(this);
    });
  }

  private writeRest(rest: Buffer): void {
    let offset = 0;
    while (offset < rest.length) {
      const n = fs.writeSync(this.fd, rest, offset, rest.length - offset);
      if (n === 0) throw Object.assign(new Error("no space left on device (write made no progress)"), { code: "ENOSPC" });
      offset += n;
    }
  }

  /** fdatasyncs now, on this thread. */
  syncNow(): void {
    if (this.failure || this.closed) return this.settle();
    const target = this.goodBytes;
    try {
      fs.fdatasyncSync(this.fd);
      if (this.directoryToSync !== undefined) {
        fsyncDirectory(this.directoryToSync);
        this.directoryToSync = undefined;
      }
    } catch (error) {
      this.fail(`fsync of ${this.file} failed: ${messageOf(error)}`, error, this.syncedBytes);
      return this.settle();
    }
    this.syncedBytes = target;
    this.settle();
  }

  /**
   * fdatasyncs on the libuv thread pool, so that several files sync at once. A new file's directory is fsynced
   * there too, once per directory and flush (`directories` is shared by the writers of one flush).
   */
  syncInBackground(directories: Map<string, Promise<void>> = new Map()): void {
    if (this.failure || this.closed) return this.settle();
    const target = this.goodBytes;
    const waiters = this.waiters;
    this.waiters = [];
    const directory = this.directoryToSync;
    let directorySynced: Promise<void> | undefined;
    if (directory !== undefined) {
      directorySynced = directories.get(directory);
      if (directorySynced === undefined) {
        directories.set(directory, (directorySynced = fsyncDirectoryInBackground(directory)));
        directorySynced.catch(() => undefined); // each writer of the directory handles the error itself
      }
    }
    const done = (error: unknown): void => {
      if (error) {
        this.fail(`fsync of ${this.file} failed: ${messageOf(error)}`, error, this.syncedBytes);
        for (const w of waiters) w.reject(this.failure!);
        return this.settle();
      }
      this.syncedBytes = Math.max(this.syncedBytes, target);
      for (const w of waiters) w.resolve();
    };
    fs.fdatasync(this.fd, (syncError) => {
      if (syncError || directorySynced === undefined) return done(syncError);
      directorySynced.then(() => {
        if (this.directoryToSync === directory) this.directoryToSync = undefined;
        done(null);
      }, done);
    });
  }

  private settle(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (this.failure) w.reject(this.failure);
      else w.resolve();
    }
  }

  private fail(message: string, cause: unknown, truncateTo: number): void {
    if (this.failure) return;
    this.failure = new PersistenceError(`${message}; the journal was cut back to its last good record and this process will not append to it again`, { cause });
    try {
      fs.ftruncateSync(this.fd, truncateTo);
      this.goodBytes = truncateTo;
    } catch {
      // The reader discards an incomplete tail and refuses damage in the middle; nothing more to do here.
    }
  }

  /**
   * A journal reopened by another process (see {@link JournalWriter.reopen}) has no name left: this writer was
   * fenced out. Checked at most every {@link TAKEOVER_CHECK_MS}: a takeover needs this process to leave its lock
   * unrefreshed for at least a second (the lock's shortest stale time is 2 s), so the first append after such a
   * stall always checks; and whatever is written to the unnamed file before that is never read by anyone.
   */
  private throwIfTakenOver(): void {
    const now = this.monotonicNow();
    if (now - this.lastTakeoverCheck < TAKEOVER_CHECK_MS) return;
    this.lastTakeoverCheck = now;
    let links: number;
    try {
      links = fs.fstatSync(this.fd).nlink;
    } catch (error) {
      this.fail(`cannot check ${this.file}: ${messageOf(error)}`, error, this.goodBytes);
      throw this.failure;
    }
    if (links === 0) {
      this.failure = new LockLostError(`${this.file} was taken over by another process (it took the run's lock while this process stalled); this process will not append to it again`);
      throw this.failure;
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new PersistenceError(`the journal ${this.file} is closed`);
  }

  /** Makes everything written durable (in fsync mode) and closes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    if (this.options.durability === "fsync" && !this.failure && this.syncedBytes < this.bytesToSync()) this.syncNow();
    unscheduleFlush(this);
    this.settle();
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed by the OS on a failed device; nothing to recover
    }
  }

  /** How far the file must be fsynced before it counts as durable. */
  private bytesToSync(): number {
    return this.options.chained === false ? this.wantedBytes : this.goodBytes;
  }

  /** The error that stopped this writer, if any. */
  get failed(): PersistenceError | LockLostError | undefined {
    return this.failure;
  }
}
