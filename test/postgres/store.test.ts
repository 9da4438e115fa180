import { afterAll, beforeAll, expect, it } from "vitest";
import { LockLostError, UsageError, workflow } from "../../src/index.js";
import type { JournalRecord, RunHeader } from "../../src/journal/records.js";
import { createPostgresStore, type PostgresStore } from "../../src/store/postgres/index.js";
import { isLockBusy, type RunLease } from "../../src/store/store.js";
import { DATABASE_URL, describePg, dropSchema, freshSchema, sql, until } from "./pg-env.js";

const schema = freshSchema("store");
let store: PostgresStore;

function header(runId: string, key: string, workflowName = "wf"): RunHeader {
  return {
    v: 1, type: "run", runId, workflow: workflowName, key, input: { json: { n: 1 } }, codeHash: "x",
    entry: { script: null, argv: [], cwd: "/", execPath: "node", execArgv: [] }, host: "h", pid: 1, startedAt: 1000,
  };
}

const step = (key: string, seq: number, epoch: number): JournalRecord[] => [
  { type: "started", key, seq, kind: "step", epoch, at: 1 },
  { type: "step", key, seq, kind: "step", out: { json: seq }, attempts: 1, ms: 0, epoch, at: 1 },
];

async function lease(workflowName: string, key: string): Promise<RunLease> {
  const result = await store.lock(workflowName, key, { onLocked: "fail" });
  if (isLockBusy(result)) throw new Error("busy");
  return result;
}

describePg("PostgreSQL store", () => {
  beforeAll(() => {
    store = createPostgresStore({ connectionString: DATABASE_URL, schema, leaseMs: 500 });
  });
  afterAll(async () => {
    await store?.close();
    await dropSchema(schema);
  });

  it("creates a run, appends records durably and reads them back with the header", async () => {
    const held = await lease("wf", "k1");
    const log = await store.createRun(header("01ARZ3NDEKTSV4RRFFQ69G5FA1", "k1"), { durability: "fsync", epoch: held.epoch });
    for (const r of step("a", 1, held.epoch)) log.append(r);
    await log.appendDurable({ type: "end", status: "completed", out: { json: "done" }, epoch: held.epoch, at: 5 });
    await log.close();
    await held.release();
    const run = await store.loadRun("01ARZ3NDEKTSV4RRFFQ69G5FA1");
    expect(run.header.key).toBe("k1");
    expect(run.records.map((r) => r.type)).toEqual(["started", "step", "end"]);
    expect(await store.getRun("01ARZ3NDEKTSV4RRFFQ69G5FA1")).toMatchObject({ status: "completed", workflow: "wf", key: "k1", updatedAt: 5 });
    expect((await store.latestRun("wf", "k1"))?.runId).toBe("01ARZ3NDEKTSV4RRFFQ69G5FA1");
    expect(await store.latestRun("wf", "k1", { unfinished: true })).toBeUndefined();
  });

  it("refuses an unknown run id with a UsageError", async () => {
    await expect(store.loadRun("01ARZ3NDEKTSV4RRFFQ69G5FZZ")).rejects.toBeInstanceOf(UsageError);
    expect(await store.getRun("01ARZ3NDEKTSV4RRFFQ69G5FZZ")).toBeUndefined();
  });

  it("gives each new holder a higher epoch and reports the holder while the lease is held", async () => {
    const first = await lease("wf", "epochs");
    const busy = await store.lock("wf", "epochs", { onLocked: "skip" });
    expect(isLockBusy(busy) && busy.owner?.pid).toBe(process.pid);
    await first.release();
    const second = await lease("wf", "epochs");
    expect(second.epoch).toBe(first.epoch + 1);
    await second.release();
  });

  it("with onLocked 'wait', takes the lease once the holder releases it", async () => {
    const first = await lease("wf", "waiting");
    const waiting = store.lock("wf", "waiting", { onLocked: "wait" });
    await first.release();
    const second = await waiting;
    expect(isLockBusy(second)).toBe(false);
    await (second as RunLease).release();
  });

  it("rejects every append of a holder whose lease was taken over, and writes none of them", async () => {
    const old = await store.tryLease("wf", "fenced");
    const log = await store.createRun(header("01ARZ3NDEKTSV4RRFFQ69G5FB1", "fenced"), { durability: "fsync", epoch: old!.epoch });
    for (const r of step("a", 1, old!.epoch)) log.append(r);
    await log.flush();
    // the holder stalls: its lease expires and another process takes it
    await sql(`update "${schema}".leases set expires_at = now() - interval '1 second' where key = 'fenced'`);
    const next = await lease("wf", "fenced");
    expect(next.epoch).toBe(old!.epoch + 1);
    for (const r of step("b", 2, old!.epoch)) log.append(r);
    await expect(log.flush()).rejects.toBeInstanceOf(LockLostError);
    expect(() => log.append(step("c", 3, old!.epoch)[0]!)).toThrow(LockLostError);
    expect((await store.loadRun("01ARZ3NDEKTSV4RRFFQ69G5FB1")).records.map((r) => r.type === "step" || r.type === "started" ? r.key : r.type)).toEqual(["a", "a"]);
    await expect(store.createRun(header("01ARZ3NDEKTSV4RRFFQ69G5FB2", "fenced"), { durability: "fsync", epoch: old!.epoch })).rejects.toBeInstanceOf(LockLostError);
    await next.release();
  });

  it("tells the holder when a renewal finds its lease taken over", async () => {
    let lost: Error | undefined;
    const held = await store.lock("wf", "renew", { onLocked: "fail", onLost: (error) => (lost = error) });
    if (isLockBusy(held)) throw new Error("busy");
    await sql(`update "${schema}".leases set expires_at = now() - interval '1 second' where key = 'renew'`);
    const next = await lease("wf", "renew");
    await until("the lease to be reported lost", () => lost);
    expect(lost).toBeInstanceOf(LockLostError);
    await held.release();
    await next.release();
  });

  it("keeps a held lease alive past its lease time by renewing it", async () => {
    const held = await lease("wf", "kept");
    await until("two lease periods", async () => {
      const [row] = await sql<{ age: number }>(`select extract(epoch from now() - to_timestamp(since / 1000.0)) * 1000 as age from "${schema}".leases where key = 'kept'`);
      return row && row.age > 1000 ? true : undefined;
    });
    expect(isLockBusy(await store.lock("wf", "kept", { onLocked: "skip" }))).toBe(true);
    await held.release();
  });

  it("delivers events in order, notifies watchers, and records cancellation requests", async () => {
    const runId = "01ARZ3NDEKTSV4RRFFQ69G5FC1";
    let changes = 0;
    const stop = store.watchInbox(runId, () => changes++);
    await until("LISTEN to be active", () => (store.notifier.listening ? true : undefined));
    const before = changes;
    await store.sendEvent(runId, "approve", { json: { ok: true } }, 10);
    await store.sendEvent(runId, "approve", { json: { ok: false } }, 11);
    await until("two notifications", () => (changes >= before + 2 ? true : undefined));
    expect((await store.inbox(runId)).map((m) => m.data.json)).toEqual([{ ok: true }, { ok: false }]);
    expect(await store.cancelRequest(runId)).toBeUndefined();
    await store.requestCancel(runId, "enough", 12);
    await until("the cancel notification", () => (changes >= before + 3 ? true : undefined));
    expect(await store.cancelRequest(runId)).toEqual({ reason: "enough", at: 12 });
    stop();
  });

  it("keeps one open dead-letter entry per run and step, updated by reruns", async () => {
    const entry = { runId: "01ARZ3NDEKTSV4RRFFQ69G5FD1", workflow: "wf", key: "k", stepKey: "charge", error: { name: "Error", message: "one" }, attempts: 4 };
    const first = await store.dlq.put(entry, 100);
    const second = await store.dlq.put({ ...entry, error: { name: "Error", message: "two" } }, 200);
    expect(second).toMatchObject({ id: first.id, reruns: 1, lastAt: 200, firstAt: 100, error: { message: "two" } });
    expect(await store.dlq.list({ runId: entry.runId })).toHaveLength(1);
    await store.dlq.setStatus(first.id, "resolved", 300);
    const third = await store.dlq.put(entry, 400);
    expect(third.id).not.toBe(first.id);
    expect(await store.dlq.purge({ runId: entry.runId })).toBe(1);
    expect((await store.dlq.list({ runId: entry.runId })).map((e) => e.id)).toEqual([third.id]);
    expect(await store.dlq.get(third.id)).toMatchObject({ status: "open", stepKey: "charge" });
  });

  it("persists breaker states", async () => {
    await store.breakers.save("api", { state: "open", openUntil: 99, failures: 3, updatedAt: 1 });
    expect(await store.breakers.load("api")).toEqual({ state: "open", openUntil: 99, failures: 3, updatedAt: 1 });
    expect(await store.breakers.load("__proto__")).toBeUndefined();
    expect(Object.keys(await store.breakers.list())).toContain("api");
  });

  it("runs a workflow end to end and returns the recorded result for a completed key", async () => {
    let calls = 0;
    const wf = workflow("e2e", async (ctx, input: { n: number }) => {
      let sum = 0;
      for (let i = 0; i < input.n; i++) sum += await ctx.step("add", () => (calls++, i));
      return { sum, when: await ctx.now() };
    }, { store });
    const first = await wf.run({ n: 20 }, { key: "once" });
    expect(first.sum).toBe(190);
    expect(await wf.run({ n: 20 }, { key: "once" })).toEqual(first);
    expect(calls).toBe(20);
    const [summary] = await store.listRuns({ workflow: "e2e" });
    expect(summary).toMatchObject({ status: "completed", key: "once" });
  });

  it("writes concurrent steps of many runs with far fewer statements than records", async () => {
    const wf = workflow("batched", async (ctx) => {
      for (let i = 0; i < 5; i++) await ctx.step(`s${i}`, () => i);
      return "ok";
    }, { store });
    await wf.run(undefined, { key: "warm-up" });
    const [before] = await sql<{ n: string }>(`select xact_commit as n from pg_stat_database where datname = current_database()`);
    await Promise.all(Array.from({ length: 50 }, (_, i) => wf.run(undefined, { key: `b${i}` })));
    await sql("select pg_stat_clear_snapshot()");
    const [after] = await until("statistics to be updated", async () => {
      const rows = await sql<{ n: string }>(`select xact_commit as n from pg_stat_database where datname = current_database()`);
      return Number(rows[0]!.n) > Number(before!.n) ? rows : undefined;
    });
    const commits = Number(after!.n) - Number(before!.n);
    expect((await store.listRuns({ workflow: "batched", status: "completed" })).length).toBe(51);
    expect(commits).toBeLessThan(50 * 5);
  });
});
