/**
 * Who owns a lock: the owner record kept inside a held lock directory (the holder, its epoch, and enough about
 * the process to tell later whether it still exists), and the epoch file that hands each new owner a higher
 * epoch (a fencing token).
 */
import { fs } from "../builtins.js";
import { PersistenceError, messageOf } from "../errors.js";
import type { LockOwner } from "../store/store.js";
import { currentProcessIdentity, probeProcess } from "./process-start.js";

const { O_RDONLY, O_RDWR, O_CREAT, O_NOFOLLOW } = fs.constants;
/** 16 digits and a newline: always one small write at offset 0, so an update is never seen half done. */
const EPOCH_DIGITS = 16;

/** The stored form of a lock owner (JSON, one file, written once before the lock directory appears). */
export interface OwnerRecord extends LockOwner {
  v: 1;
  startTime: string | null;
  bootId: string | null;
  pidNamespace: string | null;
}

/**
 * The owner record of this process for a new holder.
 *
 * @example
 * ```ts
 * const record = ownerRecordOfThisProcess(7, Date.now());
 * ```
 */
export function ownerRecordOfThisProcess(epoch: number, since: number): OwnerRecord {
  const me = currentProcessIdentity();
  return {
    v: 1,
    pid: me.pid,
    host: me.host,
    since,
    epoch,
    startTime: me.startTime ?? null,
    bootId: me.bootId ?? null,
    pidNamespace: me.pidNamespace ?? null,
  };
}

/**
 * Reads an owner record back; undefined for anything that is not one.
 *
 * @example
 * ```ts
 * const record = parseOwnerRecord(fs.readFileSync(file, "utf8"));
 * ```
 */
export function parseOwnerRecord(text: string): OwnerRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const optionalString = (v: unknown) => v === null || typeof v === "string";
  const valid =
    r.v === 1 &&
    Number.isSafeInteger(r.pid) &&
    (r.pid as number) > 0 &&
    typeof r.host === "string" &&
    Number.isFinite(r.since) &&
    Number.isSafeInteger(r.epoch) &&
    optionalString(r.startTime) &&
    optionalString(r.bootId) &&
    optionalString(r.pidNamespace);
  return valid ? (value as OwnerRecord) : undefined;
}

/**
 * The public view of a record, as `LockBusy.owner` and `readLockOwner` return it.
 *
 * @example
 * ```ts
 * const { pid, since } = toLockOwner(record);
 * ```
 */
export function toLockOwner(record: OwnerRecord): LockOwner {
  return { pid: record.pid, host: record.host, since: record.since, epoch: record.epoch };
}

/**
 * True only when the owner is provably gone: it ran on this host, and this host has rebooted since, or its pid
 * (checked in the same pid namespace) no longer runs, is a zombie, or now belongs to a process that started at
 * another time (a recycled pid). An owner on another host or namespace is never judged here.
 *
 * @example
 * ```ts
 * if (isOwnerGone(record)) reclaimAtOnce();
 * ```
 */
export function isOwnerGone(record: OwnerRecord): boolean {
  const me = currentProcessIdentity();
  if (record.host !== me.host) return false;
  if (record.bootId !== null && me.bootId !== undefined && record.bootId !== me.bootId) return true;
  if (record.pidNamespace !== null && me.pidNamespace !== undefined && record.pidNamespace !== me.pidNamespace) return false;
  const probe = probeProcess(record.pid);
  if (!probe.running) return true;
  return record.startTime !== null && probe.startTime !== undefined && probe.startTime !== record.startTime;
}

/**
 * The last epoch handed out for a lock (0 when none was). Read without the lock, it is a guess that
 * {@link advanceEpoch} checks once the lock is held.
 *
 * @example
 * ```ts
 * const next = readEpoch(".steplog/locks/nightly~2024-06-01.epoch") + 1;
 * ```
 */
export function readEpoch(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw epochError(file, error);
  }
  return readEpochFrom(file, fd);
}

/**
 * {@link readEpoch} with the open (the one call that may wait on the file system's journal) on the thread pool.
 *
 * @example
 * ```ts
 * const next = (await readEpochAsync(".steplog/locks/nightly~2024-06-01.epoch")) + 1;
 * ```
 */
export async function readEpochAsync(file: string): Promise<number> {
  let fd: number;
  try {
    fd = await openAsync(file, O_RDONLY | O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw epochError(file, error);
  }
  return readEpochFrom(file, fd);
}

function readEpochFrom(file: string, fd: number): number {
  try {
    // Empty: just created by a holder that has not written yet (or crashed before writing, never using it).
    const text = fs.readFileSync(fd, "utf8");
    return text === "" ? 0 : parseEpoch(file, text);
  } catch (error) {
    throw epochError(file, error);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Records `epoch` as handed out if the file still holds `expected`; false (and nothing written) when another
 * holder took an epoch since `expected` was read. Call it only while holding the lock. The write is not
 * fsynced: after a power loss the file may hold an older epoch, and the executor then writes one above the
 * journal's last epoch instead (see OpenedRun.epoch in src/run/execute.ts), so records never go back.
 *
 * @example
 * ```ts
 * if (!advanceEpoch(file, base, base + 1)) giveTheLockBackAndRetry();
 * ```
 */
export function advanceEpoch(file: string, expected: number, epoch: number): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDWR | O_CREAT | O_NOFOLLOW, 0o600);
  } catch (error) {
    throw epochError(file, error);
  }
  return advanceEpochOn(file, fd, expected, epoch);
}

/**
 * {@link advanceEpoch} with the open (which creates the file for a new lock, and may wait on the file system's
 * journal) on the thread pool. The same rule: call it only while holding the lock.
 *
 * @example
 * ```ts
 * if (!(await advanceEpochAsync(file, base, base + 1))) giveTheLockBackAndRetry();
 * ```
 */
export async function advanceEpochAsync(file: string, expected: number, epoch: number): Promise<boolean> {
  let fd: number;
  try {
    fd = await openAsync(file, O_RDWR | O_CREAT | O_NOFOLLOW, 0o600);
  } catch (error) {
    throw epochError(file, error);
  }
  return advanceEpochOn(file, fd, expected, epoch);
}

function advanceEpochOn(file: string, fd: number, expected: number, epoch: number): boolean {
  try {
    const text = fs.readFileSync(fd, "utf8");
    if ((text === "" ? 0 : parseEpoch(file, text)) !== expected) return false;
    const line = Buffer.from(`${String(epoch).padStart(EPOCH_DIGITS, "0")}\n`);
    fs.writeSync(fd, line, 0, line.length, 0);
    if (text.length > line.length) fs.ftruncateSync(fd, line.length);
    return true;
  } catch (error) {
    throw epochError(file, error);
  } finally {
    fs.closeSync(fd);
  }
}

/** open(2) on the libuv thread pool. */
function openAsync(file: string, flags: number, mode?: number): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, flags, mode, (error, fd) => (error ? reject(error) : resolve(fd))));
}

function parseEpoch(file: string, text: string): number {
  if (!/^\d{1,16}\n?$/.test(text)) {
    throw new PersistenceError(
      `${file} should hold the last epoch of its lock, but holds ${JSON.stringify(text.slice(0, 40))}; ` +
        `write a number above every epoch in this key's journals into it`,
    );
  }
  return Number(text);
}

function epochError(file: string, error: unknown): PersistenceError {
  if (error instanceof PersistenceError) return error;
  if ((error as NodeJS.ErrnoException).code === "ELOOP") {
    return new PersistenceError(`${file} is a symbolic link; steplog refuses to follow links in its state directory`, { cause: error });
  }
  return new PersistenceError(`cannot read or write the epoch file ${file}: ${messageOf(error)}`, { cause: error });
}

