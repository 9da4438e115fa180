import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { createFileStore, workflow } from "../../src/index.js";
import { tempDir } from "../waits/harness.js";

describe("an index ahead of its journal", () => {
  it("a key whose index says completed but whose journal lost its end record is resumed, not refused", async () => {
    const dir = tempDir();
    let calls = 0;
    const wf = workflow("index-ahead", async (ctx) => {
      const a = await ctx.step("a", () => ++calls);
      return { a };
    }, { durability: "process" });
    expect(await wf.run(undefined, { dir, key: "k" })).toEqual({ a: 1 });
    const store = createFileStore({ dir });
    const [run] = await store.listRuns({ workflow: "index-ahead" });
    expect(run!.status).toBe("completed");
    const file = (await store.loadRun(run!.runId)).location;
    const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
    expect(JSON.parse(lines.at(-1)!).type).toBe("end");
    fs.writeFileSync(file, lines.slice(0, -1).join("\n") + "\n"); // the end record never reached the disk

    expect(await wf.run(undefined, { dir, key: "k" })).toEqual({ a: 1 });
    expect(calls).toBe(1);
    expect((await store.loadRun(run!.runId)).records.at(-1)).toMatchObject({ type: "end", status: "completed" });
    await store.close();
  });
});
