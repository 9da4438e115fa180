import { afterEach, describe, expect, it } from "vitest";
import { startHolder } from "./holder-process.js";
import { plantLock, removeTempDirs, tempLockDir } from "./planted-lock.js";

afterEach(removeTempDirs);

describe("taking a lock left by a crashed holder", () => {
  it("reclaims it before preparing a candidate, so the first rename takes it", async () => {
    const lockDir = tempLockDir();
    const crashed = startHolder(lockDir, "fail");
    crashed.go("job");
    const stale = await crashed.next("acquired");
    crashed.child.kill("SIGKILL");
    expect(await crashed.exited).toBe("SIGKILL");

    // pauseMs only turns on the counting of unlinks and renames on the lock path.
    const next = startHolder(lockDir, "fail", { pauseMs: 1 });
    next.go("job");
    const taken = await next.next("acquired", "busy");
    next.end();
    await next.exited;
    expect(taken).toMatchObject({ event: "acquired", epoch: stale.epoch! + 1 });
    expect(taken.onLockPath).toEqual({ unlinked: 1, unlinkMissed: 0, renamedOnto: 1, renameRefused: 0 });
  });

  it("leaves a lock whose owner may still run to the normal attempt (busy while fresh)", async () => {
    const lockDir = tempLockDir();
    const foreign = { host: "elsewhere.example", pid: 4242, epoch: 3 };
    plantLock(lockDir, "job", foreign);
    const next = startHolder(lockDir, "skip", { pauseMs: 1 });
    next.go("job");
    const answer = await next.next("acquired", "busy");
    next.end();
    await next.exited;
    expect(answer).toMatchObject({ event: "busy", owner: { host: "elsewhere.example", pid: 4242, epoch: 3 } });
    expect(answer.onLockPath).toEqual({ unlinked: 0, unlinkMissed: 0, renamedOnto: 0, renameRefused: 1 });
  });
});
