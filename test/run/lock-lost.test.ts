import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createFileStore, LockLostError, workflow } from "../../src/index.js";
import { forceUnlock } from "../../src/lock/lock-files.js";
import { tempDir, until } from "../waits/harness.js";

describe("a lost lock", () => {
  it("stops the run with LockLostError and lets nothing more be appended, even from the step in flight", async () => {
    const dir = tempDir();
    const store = createFileStore({ dir, lockStaleMs: 2000 });
    let inStep = false;
    let release!: () => void;
    const stepMayFinish = new Promise<void>((resolve) => (release = resolve));
    const wf = workflow("fenced", async (ctx) => {
      await ctx.step("first", () => 1);
      await ctx.step("slow", async () => {
        inStep = true;
        await stepMayFinish; // ignores its signal on purpose: it finishes after the lock is gone
        return 2;
      });
      await ctx.step("third", () => 3);
      return "done";
    }, { durability: "process", store });
    const running = wf.run(undefined, { key: "k" }).catch((e: unknown) => e);
    await until(() => inStep);
    const [run] = await store.listRuns({ workflow: "fenced" });
    const journal = (await store.loadRun(run!.runId)).location;
    const before = fs.readFileSync(journal);
    // Another process breaks the lock (as a reclaim after a stall would); the holder notices on its next refresh.
    const locks = path.join(dir, "locks");
    expect(forceUnlock(locks, fs.readdirSync(locks).find((f) => !f.endsWith(".epoch"))!.replace(/\.lock$/, ""))).toBe(true);
    const error = await running;
    release();
    expect(error).toBeInstanceOf(LockLostError);
    await new Promise((r) => setImmediate(r));
    expect(fs.readFileSync(journal).equals(before)).toBe(true); // neither "slow" nor "third" nor an end record
    await store.close();
  }, 20_000);
});
