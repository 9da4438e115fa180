import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { workflow } from "../../src/index.js";
import { removeTempDirs, tempStateDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

/** Counts fdatasync and fsync calls (on this thread and on the thread pool) while still making them. */
const counted = { calls: 0 };
const original = { fdatasync: fs.fdatasync, fdatasyncSync: fs.fdatasyncSync, fsync: fs.fsync, fsyncSync: fs.fsyncSync };
beforeAll(() => {
  const counting = (sync: (fd: number, callback: fs.NoParamCallback) => void) => ((fd: number, callback: fs.NoParamCallback) => {
    counted.calls++;
    sync(fd, callback);
  });
  const countingSync = (sync: (fd: number) => void) => (fd: number) => {
    counted.calls++;
    sync(fd);
  };
  fs.fdatasync = counting(original.fdatasync) as typeof fs.fdatasync;
  fs.fsync = counting(original.fsync) as typeof fs.fsync;
  fs.fdatasyncSync = countingSync(original.fdatasyncSync);
  fs.fsyncSync = countingSync(original.fsyncSync);
  syncBuiltinESMExports();
});
afterAll(() => {
  Object.assign(fs, original);
  syncBuiltinESMExports();
});

describe("group commit (durability fsync)", () => {
  it("a sequential step resolves only after an fdatasync of its own record", async () => {
    const syncsBeforeStep: number[] = [];
    const wf = workflow("sequential", async (ctx) => {
      for (let i = 0; i < 20; i++) {
        const before = counted.calls;
        await ctx.step(`s${i}`, () => i);
        syncsBeforeStep.push(counted.calls - before);
      }
    }, { dir: tempStateDir() });
    await wf.run(undefined);
    expect(syncsBeforeStep).toEqual(Array.from({ length: 20 }, (_, i) => (i === 0 ? syncsBeforeStep[0] : 1)));
    expect(syncsBeforeStep[0]).toBeGreaterThanOrEqual(1);
  });

  it("steps of one run that complete together share one fdatasync", async () => {
    let syncs = -1;
    const wf = workflow("together", async (ctx) => {
      await ctx.step("first", () => 0);
      const before = counted.calls;
      await Promise.all(Array.from({ length: 20 }, (_, i) => ctx.step(`p${i}`, async () => i)));
      syncs = counted.calls - before;
    }, { dir: tempStateDir() });
    await wf.run(undefined);
    expect(syncs).toBe(1);
  });

  it("runs started together share the fsyncs of their common index and directory", async () => {
    const runs = 40;
    const steps = 5;
    const wf = workflow("many", async (ctx) => {
      for (let i = 0; i < steps; i++) await ctx.step(`s${i}`, () => i);
    }, { dir: tempStateDir() });
    await wf.run(undefined); // creates the directories and the workflow index
    const before = counted.calls;
    await Promise.all(Array.from({ length: runs }, () => wf.run(undefined)));
    const syncs = counted.calls - before;
    // Each journal needs one per step plus its end record; the shared index adds a few, not two per run.
    expect(syncs).toBeGreaterThanOrEqual(runs * (steps + 1));
    expect(syncs).toBeLessThan(runs * (steps + 1) + runs);
  });
});

describe("durability process", () => {
  it("runs fsync nothing: neither their journals nor the workflow and key indexes that list them", async () => {
    const dir = tempStateDir();
    const wf = workflow("unsynced", async (ctx, n: number) => ctx.step("double", () => n * 2), { dir, durability: "process" });
    const before = counted.calls;
    for (let i = 0; i < 5; i++) await wf.run(i);
    for (let i = 0; i < 5; i++) await wf.run(i, { key: `k${i}` });
    await Promise.all(Array.from({ length: 5 }, (_, i) => wf.run(i)));
    expect(counted.calls - before).toBe(0);
    // The lines were written all the same: the runs are listed and found by key.
    const again = workflow("unsynced", async () => -1, { dir, durability: "process" });
    expect(await again.run(3, { key: "k3" })).toBe(6);
  });

  it("an fsync run appending to the same index still makes its own lines durable", async () => {
    const dir = tempStateDir();
    await workflow("mixed", async () => 1, { dir, durability: "process" }).run(undefined);
    const before = counted.calls;
    await workflow("mixed", async () => 2, { dir }).run(undefined);
    expect(counted.calls - before).toBeGreaterThan(0);
  });
});
