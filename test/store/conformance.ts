/**
 * The store conformance suite: what every Store must do, exercised through its public methods only (no file
 * paths, no SQL), so the file store and the PostgreSQL store run the same tests.
 */
import { monotonicFactory } from "ulid";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JournalCorruptError, UsageError } from "../../src/errors.js";
import type { JournalRecord, RunHeader } from "../../src/journal/records.js";
import { isLockBusy, type LockBusy, type NewDeadLetter, type RunLease, type RunLog, type Store } from "../../src/store/store.js";

/** What a conformance run needs: a fresh store and a way to remove what it made. */
export type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

const newRunId = monotonicFactory();
let names = 0;
const T0 = 1_800_000_000_000;

/** A workflow name no other test of this process uses (stores may be shared, as a database is). */
function uniqueWorkflow(): string {
  return `conf-${process.pid}-${Date.now().toString(36)}-${++names}`;
}

function header(workflow: string, key: string, fields: Partial<RunHeader> = {}): RunHeader {
  return {
    v: 1, type: "run", runId: newRunId(), workflow, key, input: { json: { n: 1 } }, codeHash: "0123456789abcdef",
    entry: { script: "/srv/app/job.mjs", argv: ["--input", "{}"], cwd: "/srv/app", execPath: "node", execArgv: [] },
    host: "conformance", pid: 4242, startedAt: T0, ...fields,
  };
}

function step(key: string, seq: number, value: unknown, epoch = 1): JournalRecord[] {
  return [
    { type: "started", key, seq, kind: "step", epoch, at: T0 + seq },
    { type: "step", key, seq, kind: "step", out: { json: value }, attempts: 1, ms: 1, epoch, at: T0 + seq },
  ];
}

async function appendAll(log: RunLog, records: JournalRecord[]): Promise<void> {
  for (const r of records) await log.appendDurable(r);
}

function lease(result: RunLease | LockBusy): RunLease {
  if (isLockBusy(result)) throw new Error(`expected the lock, but pid ${result.owner?.pid} holds it`);
  return result;
}

/**
 * Declares the conformance tests of a store.
 *
 * @example
 * ```ts
 * storeConformance("file store", async () => {
 *   const dir = fs.mkdtempSync(path.join(os.tmpdir(), "store-"));
 *   return { store: createFileStore({ dir }), cleanup: async () => fs.rmSync(dir, { recursive: true }) };
 * });
 * ```
 */
export function storeConformance(name: string, makeStore: MakeStore): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    describe("runs and records", () => {
      it("creates a run whose header, records and summary read back", async () => {
        expect(store.description.length).toBeGreaterThan(0);
        const wf = uniqueWorkflow();
        const h = header(wf, "k", { parent: { runId: newRunId(), stepKey: "child" } });
        const log = await store.createRun(h, { durability: "fsync", epoch: 1 });
        expect(log.runId).toBe(h.runId);
        const records = [...step("a", 1, { rows: [1, 2] }), ...step("b", 2, "two")];
        log.append(records[0]!);
        for (const r of records.slice(1)) {
          const durable = log.appendDurable(r);
          expect(durable).toBeInstanceOf(Promise);
          await durable;
        }
        await log.flush();
        await log.close();
        await log.close();

        const loaded = await store.loadRun(h.runId);
        expect(loaded.header).toEqual(h);
        expect(loaded.records).toEqual(records);
        expect(loaded.tornTail).toBeUndefined();
        expect(typeof loaded.location).toBe("string");
        expect(await store.getRun(h.runId)).toMatchObject({ runId: h.runId, workflow: wf, key: "k", status: "running", startedAt: T0, parentRunId: h.parent!.runId });
      });

      it("with durability 'process' appends without a promise, and the records still read back", async () => {
        const h = header(uniqueWorkflow(), "k");
        const log = await store.createRun(h, { durability: "process", epoch: 1 });
        for (const r of step("a", 1, 1)) expect(log.appendDurable(r)).toBeUndefined();
        await log.close();
        expect((await store.loadRun(h.runId)).records).toEqual(step("a", 1, 1));
      });

      it("reopens a run for appending under a newer epoch, keeping what was there", async () => {
        const h = header(uniqueWorkflow(), "k");
        const first = await store.createRun(h, { durability: "fsync", epoch: 1 });
        await appendAll(first, [...step("a", 1, 1), { type: "started", key: "b", seq: 2, kind: "step", epoch: 1, at: T0 }]);
        await first.close();

        const { run, log } = await store.openRun(h.runId, { durability: "fsync", epoch: 2 });
        expect(run.header).toEqual(h);
        expect(run.records).toHaveLength(3);
        await appendAll(log, step("b", 2, 2, 2));
        await log.close();
        expect((await store.loadRun(h.runId)).records.map((r) => [r.type, "key" in r ? r.key : "", r.epoch])).toEqual([
          ["started", "a", 1], ["step", "a", 1], ["started", "b", 1], ["started", "b", 2], ["step", "b", 2],
        ]);
      });

      it("refuses an unknown run id with UsageError, and getRun answers undefined", async () => {
        const unknown = newRunId();
        await expect(store.loadRun(unknown)).rejects.toBeInstanceOf(UsageError);
        await expect(store.openRun(unknown, { durability: "fsync", epoch: 1 })).rejects.toBeInstanceOf(UsageError);
        expect(await store.getRun(unknown)).toBeUndefined();
        await expect(store.loadRun("../../etc/passwd")).rejects.toBeInstanceOf(UsageError);
      });

      it("refuses a corrupt record on load with JournalCorruptError", async () => {
        const h = header(uniqueWorkflow(), "k");
        const log = await store.createRun(h, { durability: "fsync", epoch: 1 });
        await appendAll(log, [step("a", 1, 1)[1]!]);
        await log.close();
        await expect(store.loadRun(h.runId)).rejects.toBeInstanceOf(JournalCorruptError);
        await expect(store.openRun(h.runId, { durability: "fsync", epoch: 2 })).rejects.toBeInstanceOf(JournalCorruptError);
      });

      it("never merges records of an older epoch after a newer one", async () => {
        const h = header(uniqueWorkflow(), "k");
        const log = await store.createRun(h, { durability: "fsync", epoch: 2 });
        await appendAll(log, step("a", 1, 1, 2));
        await log.close();
        let refusedOnWrite = false;
        try {
          const stale = await store.openRun(h.runId, { durability: "fsync", epoch: 1 });
          await appendAll(stale.log, step("b", 2, 2, 1));
          await stale.log.close();
        } catch {
          refusedOnWrite = true;
        }
        if (!refusedOnWrite) await expect(store.loadRun(h.runId)).rejects.toBeInstanceOf(JournalCorruptError);
        else expect((await store.loadRun(h.runId)).records).toEqual(step("a", 1, 1, 2));
      });
    });

    describe("statuses and listing", () => {
      async function runWith(workflow: string, key: string, records: JournalRecord[], startedAt: number) {
        const h = header(workflow, key, { startedAt });
        const log = await store.createRun(h, { durability: "fsync", epoch: 1 });
        await appendAll(log, records);
        await log.close();
        return h.runId;
      }
      const end = (status: "completed" | "failed" | "cancelled"): JournalRecord =>
        status === "completed" ? { type: "end", status, out: { json: 1 }, epoch: 1, at: T0 + 50 } : { type: "end", status, error: { name: "Error", message: status }, epoch: 1, at: T0 + 50 };
      const suspend: JournalRecord = { type: "suspend", wait: { kind: "event", key: "approval", event: "approval", until: null }, epoch: 1, at: T0 + 50 };

      it("derives each run's status from its suspend and end records and lists runs newest first", async () => {
        const wf = uniqueWorkflow();
        const completed = await runWith(wf, "k", [...step("a", 1, 1), end("completed")], T0 + 1);
        const waiting = await runWith(wf, "k", [suspend], T0 + 2);
        const failed = await runWith(wf, "other", [end("failed")], T0 + 3);
        const cancelled = await runWith(wf, "k", [end("cancelled")], T0 + 4);
        const running = await runWith(wf, "k", step("a", 1, 1), T0 + 5);
        const statuses = { [completed]: "completed", [waiting]: "waiting", [failed]: "failed", [cancelled]: "cancelled", [running]: "running" };
        for (const [runId, status] of Object.entries(statuses)) expect(await store.getRun(runId), status).toMatchObject({ runId, workflow: wf, status });

        const all = await store.listRuns({ workflow: wf });
        expect(all.map((r) => r.runId)).toEqual([running, cancelled, failed, waiting, completed]);
        expect(all.map((r) => r.status)).toEqual(["running", "cancelled", "failed", "waiting", "completed"]);
        expect(all[0]).toMatchObject({ key: "k", startedAt: T0 + 5 });
        expect((await store.listRuns({ workflow: wf, status: "waiting" })).map((r) => r.runId)).toEqual([waiting]);
        expect((await store.listRuns({ workflow: wf, status: ["completed", "failed"] })).map((r) => r.runId)).toEqual([failed, completed]);
        expect((await store.listRuns({ workflow: wf, key: "other" })).map((r) => r.runId)).toEqual([failed]);
        expect((await store.listRuns({ workflow: wf, limit: 2 })).map((r) => r.runId)).toEqual([running, cancelled]);
        expect((await store.listRuns()).map((r) => r.runId)).toEqual(expect.arrayContaining([running, completed]));
      });

      it("finds the latest run of a workflow and key, and the latest unfinished one", async () => {
        const wf = uniqueWorkflow();
        expect(await store.latestRun(wf, "k")).toBeUndefined();
        const failed = await runWith(wf, "k", [end("failed")], T0 + 1);
        const waiting = await runWith(wf, "k", [suspend], T0 + 2);
        await runWith(wf, "other", [], T0 + 3);
        const completed = await runWith(wf, "k", [end("completed")], T0 + 4);
        const cancelled = await runWith(wf, "k", [end("cancelled")], T0 + 5);
        expect((await store.latestRun(wf, "k"))?.runId).toBe(cancelled);
        expect((await store.latestRun(wf, "k", { unfinished: true }))?.runId).toBe(waiting);
        expect(completed < cancelled).toBe(true);

        const { log } = await store.openRun(waiting, { durability: "fsync", epoch: 2 });
        expect((await store.getRun(waiting))?.status).toBe("running");
        await log.appendDurable({ type: "end", status: "completed", out: { json: 2 }, epoch: 2, at: T0 + 60 });
        await log.close();
        expect((await store.getRun(waiting))?.status).toBe("completed");
        expect((await store.latestRun(wf, "k", { unfinished: true }))?.runId).toBe(failed);
      });

      it("keeps the status of a run that ended for good when it is opened again (asked for by id)", async () => {
        const wf = uniqueWorkflow();
        const completed = await runWith(wf, "k", [...step("a", 1, 1), end("completed")], T0 + 1);
        const cancelled = await runWith(wf, "k", [end("cancelled")], T0 + 2);
        const failed = await runWith(wf, "k", [end("failed")], T0 + 3);
        for (const runId of [completed, cancelled, failed]) {
          const { log } = await store.openRun(runId, { durability: "fsync", epoch: 2 });
          await log.close();
        }
        expect((await store.getRun(completed))?.status).toBe("completed");
        expect((await store.getRun(cancelled))?.status).toBe("cancelled");
        // A failed run without compensations is resumed when opened: it runs again.
        expect((await store.getRun(failed))?.status).toBe("running");
        expect((await store.latestRun(wf, "k", { unfinished: true }))?.runId).toBe(failed);
      });
    });

    describe("locks", () => {
      it("gives each new holder a higher epoch, answers busy to skip and fail, and frees the lock on release", async () => {
        const wf = uniqueWorkflow();
        const first = lease(await store.lock(wf, "k", { onLocked: "fail" }));
        expect(first.epoch).toBeGreaterThan(0);
        expect(first.owner).toMatchObject({ pid: process.pid, epoch: first.epoch });
        for (const onLocked of ["skip", "fail"] as const) {
          const busy = await store.lock(wf, "k", { onLocked });
          expect(isLockBusy(busy)).toBe(true);
          expect((busy as LockBusy).owner).toMatchObject({ pid: process.pid, epoch: first.epoch });
        }
        const otherKey = lease(await store.lock(wf, "other", { onLocked: "fail" }));
        await otherKey.release();
        await first.release();
        await first.release();

        const second = lease(await store.lock(wf, "k", { onLocked: "fail" }));
        expect(second.epoch).toBeGreaterThan(first.epoch);
        await second.release();
      });

      it("with onLocked 'wait' takes the lock once the holder releases it", async () => {
        const wf = uniqueWorkflow();
        const holder = lease(await store.lock(wf, "k", { onLocked: "fail" }));
        let waited = false;
        const waiting = store.lock(wf, "k", { onLocked: "wait" }).then((r) => ((waited = true), lease(r)));
        await new Promise((resolve) => setImmediate(resolve));
        expect(waited).toBe(false);
        await holder.release();
        const next = await waiting;
        expect(next.epoch).toBeGreaterThan(holder.epoch);
        await next.release();
      });
    });

    describe("inbox and cancellation", () => {
      it("delivers events to a run's inbox, oldest first", async () => {
        const h = header(uniqueWorkflow(), "k");
        await (await store.createRun(h, { durability: "fsync", epoch: 1 })).close();
        expect(await store.inbox(h.runId)).toEqual([]);
        const first = await store.sendEvent(h.runId, "approval", { json: { ok: true } }, T0 + 1);
        expect(first).toEqual({ messageId: expect.any(String), event: "approval", data: { json: { ok: true } }, at: T0 + 1 });
        const second = await store.sendEvent(h.runId, "note", { json: "2026-01-01T00:00:00.000Z", meta: { values: ["Date"], v: 1 } }, T0 + 2);
        expect(second.messageId).not.toBe(first.messageId);
        expect(await store.inbox(h.runId)).toEqual([first, second]);
      });

      it("records a cancellation request", async () => {
        const h = header(uniqueWorkflow(), "k");
        await (await store.createRun(h, { durability: "fsync", epoch: 1 })).close();
        expect(await store.cancelRequest(h.runId)).toBeUndefined();
        await store.requestCancel(h.runId, "enough", T0 + 9);
        expect(await store.cancelRequest(h.runId)).toEqual({ reason: "enough", at: T0 + 9 });
      });

      it("calls a watcher when an event or a cancellation arrives, until it stops watching", async () => {
        const h = header(uniqueWorkflow(), "k");
        await (await store.createRun(h, { durability: "fsync", epoch: 1 })).close();
        let notify: () => void = () => undefined;
        let calls = 0;
        const stop = store.watchInbox(h.runId, () => {
          calls++;
          notify();
        });
        const next = () => new Promise<void>((resolve) => (notify = resolve));
        try {
          const gotEvent = next();
          await store.sendEvent(h.runId, "approval", { json: true }, T0);
          await gotEvent;
          const gotCancel = next();
          await store.requestCancel(h.runId, null, T0 + 1);
          await gotCancel;
          expect(await store.cancelRequest(h.runId)).toEqual({ reason: null, at: T0 + 1 });
        } finally {
          stop();
        }
        expect(calls).toBeGreaterThanOrEqual(2);
      });
    });

    describe("dead-letter queue", () => {
      const entry = (runId: string, workflow: string, stepKey: string, message: string, attempts: number): NewDeadLetter => ({
        runId, workflow, key: "k", stepKey, attempts, error: { name: "Error", message, code: "E_TEST", stack: `Error: ${message}\n    at test` },
      });

      it("opens one entry per run and step, updating it when a rerun fails the same step again", async () => {
        const wf = uniqueWorkflow();
        const runId = newRunId();
        const opened = await store.dlq.put(entry(runId, wf, "charge", "declined", 4), T0);
        expect(opened).toEqual({ id: expect.any(String), ...entry(runId, wf, "charge", "declined", 4), reruns: 0, firstAt: T0, lastAt: T0, status: "open" });
        const updated = await store.dlq.put(entry(runId, wf, "charge", "declined again", 2), T0 + 10);
        expect(updated).toEqual({ ...opened, error: entry(runId, wf, "charge", "declined again", 2).error, attempts: 2, reruns: 1, lastAt: T0 + 10 });
        expect(await store.dlq.list({ runId })).toEqual([updated]);
        expect(await store.dlq.get(opened.id)).toEqual(updated);

        const other = await store.dlq.put(entry(runId, wf, "email", "bounced", 1), T0 + 20);
        expect(other.id).not.toBe(opened.id);
        expect((await store.dlq.list({ workflow: wf })).map((e) => e.id).sort()).toEqual([opened.id, other.id].sort());
        expect(await store.dlq.get("01JD3Q8Z9X4M2N7P5R6S8T0V1W")).toBeUndefined();
      });

      it("changes status, opens a new entry after a resolved one, and purges", async () => {
        const wf = uniqueWorkflow();
        const runId = newRunId();
        const first = await store.dlq.put(entry(runId, wf, "charge", "x", 1), T0);
        await store.dlq.setStatus(first.id, "resolved", T0 + 5);
        expect(await store.dlq.get(first.id)).toMatchObject({ status: "resolved" });
        expect(await store.dlq.list({ runId, status: "open" })).toEqual([]);

        const reopened = await store.dlq.put(entry(runId, wf, "charge", "y", 1), T0 + 6);
        expect(reopened.id).not.toBe(first.id);
        expect(reopened.reruns).toBe(0);
        const elsewhere = await store.dlq.put(entry(newRunId(), wf, "charge", "z", 1), T0 + 7);

        expect(await store.dlq.purge({ runId })).toBe(1);
        expect(await store.dlq.get(first.id)).toBeUndefined();
        expect((await store.dlq.list({ workflow: wf })).map((e) => e.id).sort()).toEqual([reopened.id, elsewhere.id].sort());
        expect(await store.dlq.purge({ runId, includeOpen: true })).toBe(1);
        expect((await store.dlq.list({ workflow: wf })).map((e) => e.id)).toEqual([elsewhere.id]);
        await store.dlq.setStatus(elsewhere.id, "redriven", T0 + 8);
        expect(await store.dlq.list({ workflow: wf, status: "redriven" })).toMatchObject([{ id: elsewhere.id, status: "redriven" }]);
      });
    });

    describe("breakers", () => {
      it("saves, loads and lists breaker states", async () => {
        const a = `breaker-${uniqueWorkflow()}`;
        const b = `breaker-${uniqueWorkflow()}`;
        expect(await store.breakers.load(a)).toBeUndefined();
        await store.breakers.save(a, { state: "open", openUntil: T0 + 60_000, failures: 5, updatedAt: T0 });
        await store.breakers.save(b, { state: "closed", openUntil: null, failures: 0, updatedAt: T0 });
        await store.breakers.save(a, { state: "half-open", openUntil: null, failures: 5, updatedAt: T0 + 60_000 });
        expect(await store.breakers.load(a)).toEqual({ state: "half-open", openUntil: null, failures: 5, updatedAt: T0 + 60_000 });
        expect(await store.breakers.list()).toMatchObject({ [a]: { state: "half-open" }, [b]: { state: "closed" } });
        expect(await store.breakers.load("__proto__")).toBeUndefined();
      });
    });
  });
}
