import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LockLostError, PersistenceError, UsageError } from "../../src/errors.js";
import { acquireFileLock } from "../../src/lock/file-lock.js";
import { forceUnlock, readLockOwner } from "../../src/lock/lock-files.js";
import { isLockBusy, type RunLease } from "../../src/store/store.js";
import { startHolder } from "./holder-process.js";
import { plantLock, removeTempDirs, tempLockDir } from "./planted-lock.js";

afterEach(removeTempDirs);

async function acquired(lockDir: string, name: string, onLost?: (error: Error) => void): Promise<RunLease> {
  const result = await acquireFileLock(lockDir, name, { onLocked: "fail", onLost });
  if (isLockBusy(result)) throw new Error(`expected to get ${name}, but pid ${result.owner?.pid} holds it`);
  return result;
}

describe("acquireFileLock", () => {
  it("takes a free lock, shows it to others, and releases it idempotently", async () => {
    const lockDir = tempLockDir();
    const lease = await acquired(lockDir, "job");
    expect(fs.statSync(lockDir).mode & 0o777).toBe(0o700);
    expect(lease.owner).toMatchObject({ pid: process.pid, epoch: lease.epoch });
    expect(readLockOwner(lockDir, "job")).toEqual(lease.owner);

    await lease.release();
    await lease.release();
    expect(readLockOwner(lockDir, "job")).toBeUndefined();
    expect(fs.readdirSync(lockDir)).toEqual(["job.epoch"]);
    await (await acquired(lockDir, "job")).release();
  });

  it("gives every new holder, in this process or another, a strictly higher epoch", async () => {
    const lockDir = tempLockDir();
    const epochs: number[] = [];
    for (let i = 0; i < 2; i++) {
      const lease = await acquired(lockDir, "job");
      epochs.push(lease.epoch);
      await lease.release();
    }
    const holder = startHolder(lockDir, "fail");
    holder.go("job");
    epochs.push((await holder.next("acquired")).epoch!);
    holder.end();
    await holder.next("released");
    const last = await acquired(lockDir, "job");
    epochs.push(last.epoch);
    await last.release();

    expect(epochs).toEqual([1, 2, 3, 4]);
    expect(fs.readFileSync(path.join(lockDir, "job.epoch"), "utf8")).toBe("0000000000000004\n");
  });

  it("with skip or fail answers busy at once, naming the holder", async () => {
    const lockDir = tempLockDir();
    const lease = await acquired(lockDir, "job");
    for (const onLocked of ["skip", "fail"] as const) {
      const result = await acquireFileLock(lockDir, "job", { onLocked });
      expect(result).toEqual({ busy: true, owner: lease.owner });
    }
    await lease.release();
  });

  it("with wait gets the lock once the holder (another process) releases it", async () => {
    const lockDir = tempLockDir();
    const holder = startHolder(lockDir, "fail");
    holder.go("job");
    const held = await holder.next("acquired");

    let settled = false;
    const waiting = acquireFileLock(lockDir, "job", { onLocked: "wait" }).finally(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(readLockOwner(lockDir, "job")?.pid).toBe(holder.pid);

    holder.end();
    const lease = (await waiting) as RunLease;
    expect(isLockBusy(lease)).toBe(false);
    expect(lease.epoch).toBe(held.epoch! + 1);
    await lease.release();
  });

  it("with wait gives up with the signal's reason when the signal aborts", async () => {
    const lockDir = tempLockDir();
    const lease = await acquired(lockDir, "job");
    const controller = new AbortController();
    const waiting = acquireFileLock(lockDir, "job", { onLocked: "wait", signal: controller.signal });
    const reason = new Error("shutting down");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(readLockOwner(lockDir, "job")).toEqual(lease.owner);
    await lease.release();
  });

  it("rejects unsafe names and bad options with UsageError", async () => {
    const lockDir = tempLockDir();
    for (const name of ["", ".", "..", "a/b", "a\0b", "x".repeat(201)]) {
      await expect(acquireFileLock(lockDir, name, { onLocked: "skip" })).rejects.toThrow(UsageError);
      expect(() => readLockOwner(lockDir, name)).toThrow(UsageError);
      expect(() => forceUnlock(lockDir, name)).toThrow(UsageError);
    }
    await (await acquired(lockDir, "x".repeat(200))).release();
    await expect(acquireFileLock(lockDir, "job", { onLocked: "skip", staleMs: 500 })).rejects.toThrow(/`staleMs`.*got 500/);
    await expect(acquireFileLock(lockDir, "job", { onLocked: "skip", staleMs: 4_000, updateMs: 3_000 })).rejects.toThrow(/`updateMs`/);
    await expect(acquireFileLock(lockDir, "job", { onLocked: "later" as "skip" })).rejects.toThrow(/`onLocked`/);
  });

  it("refuses a lock directory, lock path or epoch file that is a symlink", async () => {
    const lockDir = tempLockDir();
    const elsewhere = path.join(path.dirname(lockDir), "elsewhere");
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, lockDir);
    await expect(acquireFileLock(lockDir, "job", { onLocked: "skip" })).rejects.toThrow(PersistenceError);
    await expect(acquireFileLock(lockDir, "job", { onLocked: "skip" })).rejects.toThrow(`${lockDir} is a symbolic link`);
    expect(() => readLockOwner(lockDir, "job")).toThrow(PersistenceError);
    expect(() => forceUnlock(lockDir, "job")).toThrow(PersistenceError);

    fs.unlinkSync(lockDir);
    fs.mkdirSync(lockDir);
    const lockPath = path.join(lockDir, "job.lock");
    fs.symlinkSync(elsewhere, lockPath);
    await expect(acquireFileLock(lockDir, "job", { onLocked: "skip" })).rejects.toThrow(`${lockPath} is a symbolic link`);
    expect(() => readLockOwner(lockDir, "job")).toThrow(`${lockPath} is a symbolic link`);
    expect(() => forceUnlock(lockDir, "job")).toThrow(`${lockPath} is a symbolic link`);
    expect(fs.readdirSync(lockDir)).toEqual(["job.lock"]);

    const epochPath = path.join(lockDir, "other.epoch");
    fs.writeFileSync(path.join(elsewhere, "epoch"), "0000000000000007\n");
    fs.symlinkSync(path.join(elsewhere, "epoch"), epochPath);
    await expect(acquireFileLock(lockDir, "other", { onLocked: "skip" })).rejects.toThrow(`${epochPath} is a symbolic link`);
  });

  it("judges an owner on another host by lock time only: busy while fresh, reclaimed when stale or far in the future", async () => {
    const lockDir = tempLockDir();
    const foreign = { host: "elsewhere.example", pid: 999_999_999, epoch: 41 };
    plantLock(lockDir, "fresh", foreign);
    expect(await acquireFileLock(lockDir, "fresh", { onLocked: "skip" })).toMatchObject({ busy: true, owner: foreign });

    plantLock(lockDir, "old", foreign, new Date(Date.now() - 11_000));
    plantLock(lockDir, "future", foreign, new Date(Date.now() + 60_000));
    for (const name of ["old", "future"]) {
      const lease = await acquired(lockDir, name);
      expect(lease.owner.pid).toBe(process.pid);
      await lease.release();
    }
  });

  it("reports a lost lock through onLost, and releasing it afterwards leaves the new holder alone", async () => {
    const lockDir = tempLockDir();
    let lost!: (error: Error) => void;
    const lostError = new Promise<Error>((resolve) => (lost = resolve));
    const first = await acquireFileLock(lockDir, "job", { onLocked: "fail", staleMs: 2_000, updateMs: 1_000, onLost: lost });
    if (isLockBusy(first)) throw new Error("expected the lock");

    expect(forceUnlock(lockDir, "job")).toBe(true);
    expect(forceUnlock(lockDir, "job")).toBe(false);
    const second = await acquired(lockDir, "job");
    const error = await lostError;
    expect(error).toBeInstanceOf(LockLostError);
    expect(error.message).toContain(path.join(lockDir, "job.lock"));

    await first.release();
    expect(readLockOwner(lockDir, "job")).toEqual(second.owner);
    await second.release();
    expect(readLockOwner(lockDir, "job")).toBeUndefined();
  });

  it("never throws from the update timer: an onLost that throws becomes a process warning", async () => {
    const lockDir = tempLockDir();
    const warning = new Promise<Error>((resolve) => {
      const onWarning = (emitted: Error) => {
        if (emitted.message !== "onLost failed") return;
        process.off("warning", onWarning);
        resolve(emitted);
      };
      process.on("warning", onWarning);
    });
    const lease = await acquireFileLock(lockDir, "job", {
      onLocked: "fail",
      staleMs: 2_000,
      updateMs: 1_000,
      onLost: () => {
        throw new Error("onLost failed");
      },
    });
    forceUnlock(lockDir, "job");
    expect((await warning).message).toBe("onLost failed");
    await (lease as RunLease).release();
  });

  it("removes the lock when its holder exits on SIGTERM", async () => {
    const lockDir = tempLockDir();
    const holder = startHolder(lockDir, "fail");
    holder.go("job");
    await holder.next("acquired");
    holder.child.kill("SIGTERM");
    expect(await holder.exited).toBe("SIGTERM");
    expect(fs.readdirSync(lockDir)).toEqual(["job.epoch"]);
  });

  it("counts a lock directory without an owner record as busy until forceUnlock clears it", async () => {
    const lockDir = tempLockDir();
    fs.mkdirSync(path.join(lockDir, "job.lock"), { recursive: true });
    fs.writeFileSync(path.join(lockDir, "job.lock", "stray"), "");
    expect(await acquireFileLock(lockDir, "job", { onLocked: "skip" })).toEqual({ busy: true, owner: undefined });
    expect(readLockOwner(lockDir, "job")).toBeUndefined();
    expect(forceUnlock(lockDir, "job")).toBe(true);
    await (await acquired(lockDir, "job")).release();
  });

  it("costs little when uncontended (measured, not asserted)", async () => {
    const lockDir = tempLockDir();
    await (await acquired(lockDir, "warm-up")).release();
    const rounds = 200;
    let acquireMs = 0;
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      const lease = await acquired(lockDir, "job");
      acquireMs += performance.now() - start;
      await lease.release();
    }
    console.log(`uncontended acquire: ${(acquireMs / rounds).toFixed(3)} ms on average over ${rounds} rounds`);
    expect(readLockOwner(lockDir, "job")).toBeUndefined();
  });
});
