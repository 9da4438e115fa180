/**
 * Per-run statements shared by concurrent runs: calls made together go out as one statement, and each call
 * still gets its own answer or error.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { LockLostError, PersistenceError, workflow } from "../../src/index.js";
import type { RunHeader } from "../../src/journal/records.js";
import { createPostgresStore, createWorker, enqueueRun, type PostgresStore } from "../../src/store/postgres/index.js";
import { isLockBusy, type RunLease } from "../../src/store/store.js";
import { DATABASE_URL, describePg, dropSchema, freshSchema } from "./pg-env.js";

const schema = freshSchema("shared");
let store: PostgresStore;

function header(runId: string, key: string): RunHeader {
  return {
    v: 1, type: "run", runId, workflow: "wf", key, input: { json: null }, codeHash: "x",
    entry: { script: null, argv: [], cwd: "/", execPath: "node", execArgv: [] }, host: "h", pid: 1, startedAt: 1000,
  };
}

const runId = (n: number) => `01ARZ3NDEKTSV4RRFFQ69G${String(n).padStart(4, "0")}`;

describePg("PostgreSQL store: statements shared by concurrent runs", () => {
  beforeAll(() => {
    store = createPostgresStore({ connectionString: DATABASE_URL, schema });
  });
  afterAll(async () => {
    await store?.close();
    await dropSchema(schema);
  });

  it("gives one lease per key to calls made at once; the others find it busy", async () => {
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => store.lock("wf", "same", { onLocked: "skip" })),
      store.lock("wf", "other", { onLocked: "skip" }),
    ]);
    const held = results.filter((r): r is RunLease => !isLockBusy(r));
    expect(held).toHaveLength(2);
    expect(results.slice(0, 5).filter((r) => !isLockBusy(r))).toHaveLength(1);
    await Promise.all(held.map((l) => l.release()));
    const again = await store.lock("wf", "same", { onLocked: "fail" });
    expect(isLockBusy(again)).toBe(false);
    if (!isLockBusy(again)) await again.release();
  });

  it("creates runs made at once; a duplicate id fails alone and a fenced-out run is refused alone", async () => {
    await (await store.createRun(header(runId(1), "dup"), { durability: "fsync", epoch: 1 })).close();
    const fence = await store.lock("wf", "fenced", { onLocked: "fail" });
    if (isLockBusy(fence)) throw new Error("busy");
    const outcomes = await Promise.allSettled([
      store.createRun(header(runId(1), "dup"), { durability: "fsync", epoch: 1 }),
      store.createRun(header(runId(2), "fenced"), { durability: "fsync", epoch: fence.epoch + 7 }),
      ...Array.from({ length: 8 }, (_, i) => store.createRun(header(runId(10 + i), `k${i}`), { durability: "fsync", epoch: 1 })),
    ]);
    expect(outcomes[0]).toMatchObject({ status: "rejected", reason: expect.any(PersistenceError) });
    expect(outcomes[1]).toMatchObject({ status: "rejected", reason: expect.any(LockLostError) });
    expect(outcomes.slice(2).every((o) => o.status === "fulfilled")).toBe(true);
    await fence.release();
    const summaries = await Promise.all(Array.from({ length: 8 }, (_, i) => store.getRun(runId(10 + i))));
    expect(summaries.map((s) => s?.key)).toEqual(Array.from({ length: 8 }, (_, i) => `k${i}`));
    expect(await store.getRun(runId(2))).toBeUndefined();
  });

  it("answers reads made at once per run", async () => {
    await store.requestCancel(runId(11), "stop", 7);
    const [a, b, c, d] = await Promise.all([store.cancelRequest(runId(10)), store.cancelRequest(runId(11)), store.getRun(runId(12)), store.getRun(runId(99))]);
    expect(a).toBeUndefined();
    expect(b).toEqual({ reason: "stop", at: 7 });
    expect(c?.runId).toBe(runId(12));
    expect(d).toBeUndefined();
    const loaded = await Promise.all([store.loadRun(runId(13)), store.loadRun(runId(14))]);
    expect(loaded.map((r) => r.header.key)).toEqual(["k3", "k4"]);
  });

  it("runs enqueued at once are each executed by a worker", async () => {
    const three = workflow("three", async (ctx, n: number) => {
      let sum = n;
      for (let i = 0; i < 3; i++) sum += await ctx.step(`s${i}`, () => i);
      return sum;
    }, { store });
    const enqueued = await Promise.all(Array.from({ length: 30 }, (_, i) => enqueueRun(store, three, i)));
    expect(new Set(enqueued.map((e) => e.runId)).size).toBe(30);
    const worker = createWorker({ store, workflows: [three], concurrency: 30 }).start();
    await worker.idle();
    await worker.stop();
    const runs = await store.listRuns({ workflow: "three" });
    expect(runs).toHaveLength(30);
    expect(runs.every((r) => r.status === "completed")).toBe(true);
  });
});
