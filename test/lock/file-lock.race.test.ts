import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { acquireFileLock } from "../../src/lock/file-lock.js";
import { readLockOwner } from "../../src/lock/lock-files.js";
import { isLockBusy } from "../../src/store/store.js";
import { startHolder, type HolderMessage, type HolderProcess } from "./holder-process.js";
import { plantLock, removeTempDirs, tempLockDir } from "./planted-lock.js";

afterEach(removeTempDirs);

const DEFAULT_STALE_MS = 10_000;

describe("acquireFileLock after a SIGKILL", () => {
  it("reclaims the killed holder's lock at once, well before the stale time", async () => {
    const lockDir = tempLockDir();
    const holder = startHolder(lockDir, "fail");
    holder.go("job");
    const held = await holder.next("acquired");

    const killedAt = performance.now();
    holder.child.kill("SIGKILL");
    const lease = await acquireFileLock(lockDir, "job", { onLocked: "wait" });
    const reclaimMs = performance.now() - killedAt;
    console.log(`reclaimed ${reclaimMs.toFixed(1)} ms after SIGKILL (stale time ${DEFAULT_STALE_MS} ms)`);

    if (isLockBusy(lease)) throw new Error("expected the lock");
    expect(reclaimMs).toBeLessThan(DEFAULT_STALE_MS);
    expect(lease.epoch).toBe(held.epoch! + 1);
    expect(await holder.exited).toBe("SIGKILL");
    await lease.release();
  });
});

const CONTENDERS = 50;
/** Each contender pauses this long before every unlink, so that those that judged a lock stale act on it together. */
const PAUSE_MS = 100;

interface OnLockPath {
  unlinked: number;
  unlinkMissed: number;
  renamedOnto: number;
  renameRefused: number;
}

describe(`${CONTENDERS} simultaneous starts`, () => {
  let root: string;
  let lockDir: string;
  /** CONTENDERS processes, started once and reused by every race, plus one spare to be SIGKILLed. */
  let contenders: HolderProcess[];
  let spare: HolderProcess;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-lock-race-"));
    lockDir = path.join(root, "locks");
    const start = () => startHolder(lockDir, "skip", { heldLogDir: root, pauseMs: PAUSE_MS });
    contenders = Array.from({ length: CONTENDERS }, start);
    spare = startHolder(lockDir, "fail");
    await Promise.all([...contenders, spare].map((holder) => holder.next("ready")));
  });

  afterAll(async () => {
    for (const holder of [...contenders, spare]) holder.end();
    await Promise.all([...contenders, spare].map((holder) => holder.exited));
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Tells every contender to go at once; the one that gets the lock holds it until every contender answered. */
  async function race(name: string): Promise<{ winners: HolderMessage[]; losers: HolderMessage[]; onLockPath: OnLockPath }> {
    for (const contender of contenders) contender.go(name);
    const answers = await Promise.all(contenders.map((contender) => contender.next("acquired", "busy")));
    const winners = answers.filter((answer) => answer.event === "acquired");
    const losers = answers.filter((answer) => answer.event === "busy");
    for (const contender of contenders) if (winners.some((winner) => winner.pid === contender.pid)) contender.release();
    await Promise.all(contenders.filter((contender) => winners.some((winner) => winner.pid === contender.pid)).map((winner) => winner.next("released")));
    const onLockPath: OnLockPath = { unlinked: 0, unlinkMissed: 0, renamedOnto: 0, renameRefused: 0 };
    for (const answer of answers) for (const key of Object.keys(onLockPath) as Array<keyof OnLockPath>) onLockPath[key] += answer.onLockPath![key];
    console.log(`${name}: ${CONTENDERS} contenders, on the lock path:`, onLockPath);
    return { winners, losers, onLockPath };
  }

  function heldLines(name: string): string[] {
    return fs.readFileSync(path.join(root, `${name}.held`), "utf8").trim().split("\n");
  }

  it("of a free lock: exactly one holds it", async () => {
    const { winners, losers, onLockPath } = await race("free");

    expect(winners).toHaveLength(1);
    expect(heldLines("free")).toEqual([`${winners[0]!.pid} 1`]);
    expect(onLockPath.renamedOnto).toBe(1);
    expect(onLockPath.renameRefused).toBeGreaterThan(0);
    expect(losers.map((loser) => loser.owner?.pid)).toEqual(losers.map(() => winners[0]!.pid));
    expect(readLockOwner(lockDir, "free")).toBeUndefined();
  });

  it("against the lock of a SIGKILLed holder: exactly one reclaims it", async () => {
    spare.go("killed");
    const stale = await spare.next("acquired");
    spare.child.kill("SIGKILL");
    expect(await spare.exited).toBe("SIGKILL");
    expect(readLockOwner(lockDir, "killed")?.pid).toBe(spare.pid);

    const { winners, losers, onLockPath } = await race("killed");

    expect(winners).toHaveLength(1);
    expect(winners[0]!.epoch).toBe(stale.epoch! + 1);
    expect(heldLines("killed")).toEqual([`${winners[0]!.pid} ${stale.epoch! + 1}`]);
    // Many judged the dead holder's lock stale and tried to reclaim it; one unlink of its owner record won.
    expect(onLockPath).toMatchObject({ unlinked: 1, renamedOnto: 1 });
    expect(onLockPath.unlinkMissed).toBeGreaterThan(0);
    expect(losers.map((loser) => loser.owner?.pid)).toEqual(losers.map(() => winners[0]!.pid));
  });

  it("against a lock gone stale on another host: exactly one reclaims it", async () => {
    plantLock(lockDir, "foreign", { host: "elsewhere.example", pid: 4242, epoch: 9 }, new Date(Date.now() - 2 * DEFAULT_STALE_MS));
    fs.writeFileSync(path.join(lockDir, "foreign.epoch"), "0000000000000009\n");

    const { winners, losers, onLockPath } = await race("foreign");

    expect(winners).toHaveLength(1);
    expect(heldLines("foreign")).toEqual([`${winners[0]!.pid} 10`]);
    expect(onLockPath).toMatchObject({ unlinked: 1, renamedOnto: 1 });
    expect(onLockPath.unlinkMissed).toBeGreaterThan(0);
    expect(losers.map((loser) => loser.owner?.pid)).toEqual(losers.map(() => winners[0]!.pid));
  });
});
