import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createFileStore, workflow } from "../../src/index.js";
import { tempDir } from "../waits/harness.js";

describe("record epochs", () => {
  it("never go back, even when the lock's epoch file lost its last writes (power loss)", async () => {
    const dir = tempDir();
    let fail = true;
    const wf = workflow("epochs", async (ctx) => {
      await ctx.step("a", () => 1);
      await ctx.step("b", () => {
        if (fail) throw new Error("not yet");
        return 2;
      }, { retry: false });
      return "ok";
    }, { durability: "process" });
    for (let i = 0; i < 3; i++) await wf.run(undefined, { dir, key: "k" }).catch(() => undefined);
    const store = createFileStore({ dir });
    const [run] = await store.listRuns({ workflow: "epochs" });
    const before = (await store.loadRun(run!.runId)).records.map((r) => r.epoch);
    expect(Math.max(...before)).toBe(3);

    // Simulate an epoch file that regressed to an older value.
    const epochFile = fs.readdirSync(path.join(dir, "locks")).find((f) => f.endsWith(".epoch"))!;
    fs.writeFileSync(path.join(dir, "locks", epochFile), `${"1".padStart(16, "0")}\n`);
    fail = false;
    await expect(wf.run(undefined, { dir, key: "k" })).resolves.toBe("ok");
    const after = (await store.loadRun(run!.runId)).records.map((r) => r.epoch);
    for (let i = 1; i < after.length; i++) expect(after[i]!).toBeGreaterThanOrEqual(after[i - 1]!);
    expect(after.at(-1)).toBe(4);
    await store.close();
  });
});
