import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileStore, workflow } from "../../src/index.js";
import { removeTempDirs, tempStateDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

const RUNS = 300;

/** Open file descriptors of this process (Linux). */
function openFds(): number {
  return fs.readdirSync("/proc/self/fd").length;
}

describe("file store indexes of many runs", () => {
  it.skipIf(!fs.existsSync("/proc/self/fd"))("a long-lived process does not keep a file open per run it ran, keyed or not", async () => {
    const dir = tempStateDir();
    const wf = workflow("many-runs", async (ctx) => ctx.step("a", () => 1), { dir });
    await wf.run(undefined);
    await wf.run(undefined, { key: "warm" });
    const before = openFds();
    for (let i = 0; i < RUNS; i++) {
      await wf.run(undefined);
      await wf.run(undefined, { key: `k${i}` });
    }
    // Each run ends when its journal is durable; its key index closes once its last line is, a moment later.
    const store = createFileStore({ dir });
    expect(await store.listRuns({ workflow: "many-runs", key: `k${RUNS - 1}` })).toHaveLength(1);
    expect(openFds() - before).toBeLessThan(20);
    await store.close();
  });

  it("a run started without a key writes no key index, and is still found by its own id as key", async () => {
    const dir = tempStateDir();
    const wf = workflow("own-key", async (ctx) => ctx.step("a", () => "done"), { dir, durability: "process" });
    expect(await wf.run(undefined)).toBe("done");
    const keysDir = path.join(dir, "runs", "own-key", "keys");
    expect(fs.existsSync(keysDir) ? fs.readdirSync(keysDir) : []).toEqual([]);

    const store = createFileStore({ dir });
    const [first] = await store.listRuns({ workflow: "own-key" });
    if (first === undefined) throw new Error("the run is not listed");
    expect(await store.latestRun("own-key", first.runId)).toMatchObject({ runId: first.runId, key: first.runId, status: "completed" });
    expect((await store.listRuns({ workflow: "own-key", key: first.runId })).map((r) => r.runId)).toEqual([first.runId]);

    // An explicit key equal to that id finds the same run (its recorded result), as before.
    expect(await wf.run(undefined, { key: first.runId })).toBe("done");
    expect(await store.listRuns({ workflow: "own-key" })).toHaveLength(1);
    await store.close();
  });
});
