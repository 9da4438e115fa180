import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { removeTempDirs, tempLockDir } from "./planted-lock.js";

afterEach(removeTempDirs);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = path.join(repoRoot, "test/fixtures/lock/takeover-holder.ts");

interface Message {
  event: string;
  lockfileLoaded?: boolean;
  ownerPid?: number;
  message?: string;
  heldByProperLockfile?: number;
}

/** Runs the take-over fixture to its end; its JSON lines, exit code and pid. */
function runHolder(lockDir: string, scenario: string, handlesSignals: boolean): Promise<{ messages: Message[]; code: number | null; pid: number }> {
  const args = ["--import", "tsx", fixture, lockDir, scenario, ...(handlesSignals ? ["handles-signals"] : [])];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const messages = stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Message);
      resolve({ messages, code, pid: child.pid! });
    });
  });
}

describe("proper-lockfile's take-over of a held lock", () => {
  it("happens before the lock is returned in a process that does not handle SIGINT and SIGTERM", async () => {
    const lockDir = tempLockDir();
    const { messages, code, pid } = await runHolder(lockDir, "refresh", false);
    expect(code).toBe(0);
    expect(messages[0]).toEqual({ event: "acquired", lockfileLoaded: true, ownerPid: pid });
    expect(messages.map((m) => m.event)).toEqual(["acquired", "taken-over", "released"]);
    expect(fs.readdirSync(lockDir)).toEqual(["job.epoch"]);
  });

  it("comes after the lock is returned in a process that handles them (as main() does), and still removes the lock at release", async () => {
    const lockDir = tempLockDir();
    const { messages, code, pid } = await runHolder(lockDir, "refresh", true);
    expect(code).toBe(0);
    // The lock is held (the owner record names the holder) while proper-lockfile is not even loaded.
    expect(messages[0]).toEqual({ event: "acquired", lockfileLoaded: false, ownerPid: pid });
    expect(messages.slice(1)).toEqual([{ event: "taken-over" }, { event: "released", heldByProperLockfile: 0 }]);
    expect(fs.readdirSync(lockDir)).toEqual(["job.epoch"]);
  });

  it("reports the lock lost when it was removed before the take-over", async () => {
    const lockDir = tempLockDir();
    const { messages, code } = await runHolder(lockDir, "lost", true);
    expect(code).toBe(0);
    expect(messages[0]).toMatchObject({ event: "acquired", lockfileLoaded: false });
    expect(messages[1]?.event).toBe("lost");
    expect(messages[1]?.message).toContain(`lost the lock ${path.join(lockDir, "job.lock")}`);
  });

  it("is not needed to remove the lock when the process exits before it", async () => {
    const lockDir = tempLockDir();
    const { messages, code } = await runHolder(lockDir, "exit", true);
    expect(code).toBe(0);
    expect(messages).toEqual([expect.objectContaining({ event: "acquired", lockfileLoaded: false })]);
    expect(fs.readdirSync(lockDir)).toEqual(["job.epoch"]);
  });
});
