import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createFileStore, StepFailedError, TerminalError, workflow } from "../../src/index.js";
import { runFixture, sinkLines, tempDir } from "../waits/harness.js";

describe("dead-letter queue", () => {
  it("holds one entry per failed step with run id, workflow, step key, error with stack and attempts", async () => {
    const dir = tempDir();
    const wf = workflow("dlq-content", async (ctx) => {
      await ctx.step("ok", () => 1);
      await ctx.step("charge", () => {
        throw new TerminalError("card declined");
      });
    }, { durability: "process" });
    const error = await wf.run({}, { dir, key: "order-1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect((error as StepFailedError).stepKey).toBe("charge");
    const store = createFileStore({ dir });
    const entries = await store.dlq.list();
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({ workflow: "dlq-content", key: "order-1", stepKey: "charge", attempts: 1, reruns: 0, status: "open" });
    expect(entry!.error).toMatchObject({ name: "TerminalError", message: "card declined", code: "TERMINAL" });
    expect(entry!.error.stack).toContain("card declined");
    const [run] = await store.listRuns({ workflow: "dlq-content" });
    expect(entry!.runId).toBe(run!.runId);
    expect(run!.status).toBe("failed");

    // A rerun failing the same step again updates the open entry instead of adding one.
    await wf.run({}, { dir, key: "order-1" }).catch(() => undefined);
    const again = await store.dlq.list();
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: entry!.id, reruns: 1 });
    await store.close();
  });

  it("ctx.map with continueOnError dead-letters failed items and processes the rest", async () => {
    const dir = tempDir();
    const processed: number[] = [];
    const wf = workflow("map-items", async (ctx, items: number[]) => {
      return ctx.map("square", items, (n) => {
        if (n % 3 === 0) throw new TerminalError(`bad item ${n}`);
        processed.push(n);
        return n * n;
      }, { continueOnError: true, concurrency: 2 });
    }, { durability: "process" });
    const out = await wf.run([1, 2, 3, 4, 5, 6, 7], { dir });
    expect(out.results).toEqual([1, 4, undefined, 16, 25, undefined, 49]);
    expect(out.failed.map((f) => [f.index, f.key])).toEqual([[2, "square[2]"], [5, "square[5]"]]);
    expect(processed.sort()).toEqual([1, 2, 4, 5, 7]);
    const store = createFileStore({ dir });
    expect((await store.dlq.list()).map((e) => e.stepKey).sort()).toEqual(["square[2]", "square[5]"]);
    await store.close();
  });

  it("ctx.map without continueOnError fails the run at the first failed item", async () => {
    const wf = workflow("map-strict", async (ctx) => ctx.map("item", [1, 2, 3], (n) => {
      if (n === 2) throw new TerminalError("two");
      return n;
    }), { durability: "process" });
    await expect(wf.run(undefined, { dir: tempDir() })).rejects.toThrow(/step 'item\[1\]' failed after 1 attempt: two/);
  });

  it("resolves a run's open entries when a rerun completes", async () => {
    const dir = tempDir();
    let broken = true;
    const wf = workflow("dlq-resolve", async (ctx) => ctx.step("flaky", () => {
      if (broken) throw new TerminalError("down");
      return "up";
    }), { durability: "process" });
    await wf.run(undefined, { dir, key: "k" }).catch(() => undefined);
    broken = false;
    await expect(wf.run(undefined, { dir, key: "k" })).resolves.toBe("up");
    const store = createFileStore({ dir });
    expect((await store.dlq.list()).map((e) => e.status)).toEqual(["resolved"]);
    await store.close();
  });
});

describe("compensations", () => {
  it("run in reverse order when the run fails for good, and the run is then final", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const env = { STEPLOG_DIR: dir, SINK: sink, MARKER: path.join(dir, "marker") };
    const failed = await runFixture(path.join("..", "run", "saga.mjs"), [], env);
    expect(failed.code).toBe(30);
    expect(sinkLines(sink)).toEqual(["flight", "hotel", "car", "charge", "undo car", "undo hotel", "undo flight"]);
    const store = createFileStore({ dir });
    const [run] = await store.listRuns({ workflow: "saga" });
    const records = (await store.loadRun(run!.runId)).records;
    expect(records.filter((r) => r.type === "compensate").map((r) => (r as { key: string }).key)).toEqual(["book car", "book hotel", "book flight"]);
    expect(records.at(-1)).toMatchObject({ type: "end", status: "failed", compensated: true });
    // A compensated run is final: the next start is a new run, not a resume of the rolled-back one.
    const next = await runFixture(path.join("..", "run", "saga.mjs"), [], env);
    expect(next.code).toBe(30);
    expect(await store.listRuns({ workflow: "saga" })).toHaveLength(2);
    await store.close();
  });

  it("resume after a SIGKILL in the middle of compensating, without running any compensation twice", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const env = { STEPLOG_DIR: dir, SINK: sink, MARKER: path.join(dir, "marker"), COMPENSATION_CRASH: "hotel" };
    const crashed = await runFixture(path.join("..", "run", "saga.mjs"), [], env);
    expect(crashed.signal).toBe("SIGKILL");
    expect(sinkLines(sink)).toEqual(["flight", "hotel", "car", "charge", "undo car", "undo hotel"]);
    const resumed = await runFixture(path.join("..", "run", "saga.mjs"), [], env);
    expect(resumed.code).toBe(30);
    // "undo hotel" was in progress when killed, so it runs again (at-least-once); "undo car" does not.
    expect(sinkLines(sink)).toEqual(["flight", "hotel", "car", "charge", "undo car", "undo hotel", "undo hotel", "undo flight"]);
    expect(fs.existsSync(path.join(dir, "marker"))).toBe(true);
  });
});
