import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createFileStore } from "../../src/index.js";
import { runFixture, sinkLines, tempDir } from "../waits/harness.js";

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "cli", "main.js");

describe("dlq redrive of an item dead-lettered by ctx.map", () => {
  it("re-runs only that item in a fork of the finished run and marks the entry redriven", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const broken = path.join(dir, "broken");
    fs.writeFileSync(broken, "");
    const env = { STEPLOG_DIR: dir, SINK: sink, BROKEN: broken };
    const first = await runFixture(path.join("..", "cli", "map-items.mjs"), [], env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ results: [0, 10, null, 30, 40], failed: ["item[2]"] });
    const store = createFileStore({ dir });
    const [entry] = await store.dlq.list({ status: "open" });
    expect(entry?.stepKey).toBe("item[2]");

    fs.rmSync(broken);
    const redrive = spawnSync(process.execPath, [CLI, "dlq", "redrive", entry!.id, "--dir", dir], { encoding: "utf8", env: { ...process.env, SINK: sink, BROKEN: broken } });
    expect(redrive.status).toBe(0);
    expect(redrive.stderr).toContain("re-running step 'item[2]'");
    expect(JSON.parse(redrive.stdout)).toEqual({ results: [0, 10, 20, 30, 40], failed: [] });
    expect(sinkLines(sink)).toEqual(["item 0", "item 1", "item 2", "item 3", "item 4", "item 2"]);
    expect((await store.dlq.get(entry!.id))?.status).toBe("redriven");
    const runs = await store.listRuns({ workflow: "map-items" });
    expect(runs.map((r) => r.status)).toEqual(["completed", "completed"]);
    expect((await store.loadRun(runs[0]!.runId)).header.forkOf).toEqual({ runId: entry!.runId, steps: ["item[2]"] });
    await store.close();
  });
});
