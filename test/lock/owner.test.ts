import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PersistenceError } from "../../src/errors.js";
import { acquireFileLock } from "../../src/lock/file-lock.js";
import { forceUnlock } from "../../src/lock/lock-files.js";
import { advanceEpoch, isOwnerGone, ownerRecordOfThisProcess, parseOwnerRecord, readEpoch } from "../../src/lock/owner.js";
import { currentProcessIdentity, probeProcess } from "../../src/lock/process-start.js";
import { isLockBusy } from "../../src/store/store.js";
import { plantLock, removeTempDirs, tempLockDir } from "./planted-lock.js";

afterEach(removeTempDirs);

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** A process that runs until killed, and its start time. */
async function runningProcess(): Promise<{ child: ChildProcess; pid: number; startTime: string }> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" });
  children.push(child);
  await once(child, "spawn");
  const probe = probeProcess(child.pid!);
  if (!probe.running || probe.startTime === undefined) throw new Error("expected /proc to show the child's start time");
  return { child, pid: child.pid!, startTime: probe.startTime };
}

const linux = process.platform === "linux";

describe.runIf(linux)("isOwnerGone", () => {
  it("keeps a running owner, and counts its pid with another start time (a recycled pid) as gone", async () => {
    const { child, pid, startTime } = await runningProcess();
    const owner = { ...ownerRecordOfThisProcess(3, Date.now()), pid, startTime };
    expect(isOwnerGone(owner)).toBe(false);
    expect(isOwnerGone({ ...owner, startTime: String(Number(startTime) + 1) })).toBe(true);

    child.kill("SIGKILL");
    await once(child, "exit");
    expect(isOwnerGone(owner)).toBe(true);
  });

  it("counts an owner of an earlier boot as gone, even when its pid and start time match", () => {
    const me = ownerRecordOfThisProcess(1, Date.now());
    expect(isOwnerGone(me)).toBe(false);
    expect(isOwnerGone({ ...me, bootId: "00000000-0000-0000-0000-000000000000" })).toBe(true);
  });

  it("never judges by pid an owner on another host or in another pid namespace", async () => {
    const { child, pid } = await runningProcess();
    child.kill("SIGKILL");
    await once(child, "exit");
    const gone = { ...ownerRecordOfThisProcess(1, Date.now()), pid };
    expect(isOwnerGone(gone)).toBe(true);
    expect(isOwnerGone({ ...gone, host: "elsewhere.example" })).toBe(false);
    expect(isOwnerGone({ ...gone, pidNamespace: "pid:[1]" })).toBe(false);
  });

  it("counts a zombie (exited, not yet reaped by its parent) as gone", async () => {
    // sh starts a subshell that exits once a line arrives on fd 3, prints its pid, and becomes `sleep`, which
    // never reaps it. The line is sent only after the exec, so sh cannot reap it first.
    const parent = spawn("sh", ["-c", "(read line <&3) & echo $!; exec sleep 600 3<&-"], { stdio: ["ignore", "pipe", "ignore", "pipe"] });
    children.push(parent);
    const [output] = (await once(parent.stdout!, "data")) as [Buffer];
    const zombie = Number(output.toString().trim());
    const until = async (condition: () => boolean) => {
      while (!condition()) await new Promise((resolve) => setImmediate(resolve));
    };
    await until(() => fs.readFileSync(`/proc/${parent.pid}/comm`, "utf8") === "sleep\n");
    expect(probeProcess(zombie)).toMatchObject({ running: true });

    (parent.stdio[3] as NodeJS.WritableStream).write("exit\n");
    await until(() => fs.readFileSync(`/proc/${zombie}/stat`, "utf8").split(") ")[1]?.[0] === "Z");
    expect(() => process.kill(zombie, 0)).not.toThrow();
    expect(probeProcess(zombie)).toEqual({ running: false });
  });

  it("reads this process's start time as /proc shows it to others", () => {
    expect(currentProcessIdentity().startTime).toBe((probeProcess(process.pid) as { startTime: string }).startTime);
    expect(currentProcessIdentity().startTime).toMatch(/^\d+$/);
  });
});

describe.runIf(linux)("acquireFileLock and the owner's process", () => {
  it("leaves a lock held by a running pid alone, and reclaims it at once when the pid was recycled", async () => {
    const lockDir = tempLockDir();
    const { pid, startTime } = await runningProcess();

    plantLock(lockDir, "job", { pid, startTime, epoch: 5 });
    expect(await acquireFileLock(lockDir, "job", { onLocked: "skip" })).toMatchObject({ busy: true, owner: { pid, epoch: 5 } });

    forceUnlock(lockDir, "job");
    plantLock(lockDir, "job", { pid, startTime: String(Number(startTime) + 1), epoch: 5 });
    const lease = await acquireFileLock(lockDir, "job", { onLocked: "skip" });
    if (isLockBusy(lease)) throw new Error(`expected the lock, but it is held by pid ${lease.owner?.pid}`);
    expect(lease.owner.pid).toBe(process.pid);
    await lease.release();
  });
});

describe("owner records and epochs", () => {
  it("reads back only well-formed owner records", () => {
    const record = ownerRecordOfThisProcess(2, 1_700_000_000_000);
    expect(parseOwnerRecord(JSON.stringify(record))).toEqual(record);
    for (const text of ["", "null", "{}", "[1]", JSON.stringify({ ...record, pid: 0 }), JSON.stringify({ ...record, v: 2 })]) {
      expect(parseOwnerRecord(text)).toBeUndefined();
    }
  });

  it("advances the epoch only from the value read, and refuses an epoch file that holds something else", () => {
    const file = path.join(path.dirname(tempLockDir()), "job.epoch");
    expect(readEpoch(file)).toBe(0);
    fs.writeFileSync(file, "");
    expect(readEpoch(file)).toBe(0);
    expect(advanceEpoch(file, 0, 1)).toBe(true);
    expect(advanceEpoch(file, 0, 1)).toBe(false);
    expect(readEpoch(file)).toBe(1);
    expect(advanceEpoch(file, 1, 2)).toBe(true);
    expect(fs.readFileSync(file, "utf8")).toBe("0000000000000002\n");

    fs.writeFileSync(file, "seven");
    expect(() => readEpoch(file)).toThrow(PersistenceError);
    expect(() => advanceEpoch(file, 2, 3)).toThrow(/holds "seven"/);
  });
});
