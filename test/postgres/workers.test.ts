import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { workflow } from "../../src/index.js";
import { createPostgresStore, enqueueRun, type PostgresStore } from "../../src/store/postgres/index.js";
import { DATABASE_URL, describePg, dropSchema, freshSchema, sql, until } from "./pg-env.js";
import { startWorker, type WorkerProcess } from "./worker-process.js";

// Same name as the fixture's workflow; the function only matters to the workers.
const tenSteps = workflow("ten-steps", async (_ctx, input: { n: number }) => input.n);

let store: PostgresStore;
let dir: string;
const schemas: string[] = [];
const workers: WorkerProcess[] = [];

function newSchema(): string {
  const schema = freshSchema("workers");
  schemas.push(schema);
  return schema;
}

function spawnWorkers(count: number, schema: string, options: { leaseMs: number; concurrency: number; stepMs: number }, executions: string): WorkerProcess[] {
  const started = Array.from({ length: count }, () => startWorker({ url: DATABASE_URL, schema, executions, ...options }));
  workers.push(...started);
  return started;
}

/** Execution lines `[runId, step, pid]` the workers wrote. */
function executionsOf(file: string): Array<[string, string, number]> {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => {
    const [runId, step, pid] = line.split(" ");
    return [runId!, step!, Number(pid)];
  });
}

async function completedCount(schema: string): Promise<number> {
  const [row] = await sql<{ n: number }>(`select count(*)::integer as n from "${schema}".runs where status = 'completed'`);
  return row!.n;
}

/** For each run and step key, the epoch of its recorded `step` record. */
async function recordedEpochs(schema: string): Promise<Map<string, number>> {
  const rows = await sql<{ run_id: string; body: string }>(`select run_id, body from "${schema}".records`);
  const out = new Map<string, number>();
  for (const row of rows) {
    const record = JSON.parse(row.body) as { type: string; key: string; epoch: number };
    if (record.type === "step") out.set(`${row.run_id} ${record.key}`, record.epoch);
  }
  return out;
}

describePg("PostgreSQL workers in several processes", () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-workers-"));
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.exited));
    await store?.close();
    for (const schema of schemas) await dropSchema(schema);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("3 workers complete 200 runs x 10 steps, each recorded step executed once", async () => {
    const schema = newSchema();
    store = createPostgresStore({ connectionString: DATABASE_URL, schema });
    await store.migrate();
    const executions = path.join(dir, "all.txt");
    const started = spawnWorkers(3, schema, { leaseMs: 5_000, concurrency: 20, stepMs: 0 }, executions);
    await Promise.all(started.map((w) => w.next((m) => m.event === "ready")));
    const runIds = await Promise.all(Array.from({ length: 200 }, (_, n) => enqueueRun(store, tenSteps, { n }).then((r) => r.runId)));
    await until("200 completed runs", async () => ((await completedCount(schema)) === 200 ? true : undefined), 120_000);

    const lines = executionsOf(executions);
    expect(lines).toHaveLength(2000);
    expect(new Set(lines.map(([runId, step]) => `${runId} ${step}`)).size).toBe(2000);
    expect(new Set(lines.map(([, , pid]) => pid)).size).toBeGreaterThan(1);
    const results = await sql<{ body: string }>(`select body from "${schema}".records where body like '{"type":"end"%'`);
    expect(results).toHaveLength(200);
    const run = await store.loadRun(runIds[7]!);
    expect(run.records.filter((r) => r.type === "step")).toHaveLength(10);
    expect(run.records.at(-1)).toMatchObject({ type: "end", status: "completed", out: { json: 7 + 55 } });
    for (const w of started) w.child.kill("SIGTERM");
    expect(await Promise.all(started.map((w) => w.exited))).toEqual([0, 0, 0]);
    await store.close();
  });

  it("after a worker is SIGKILLed mid-run, the others resume its runs once its leases expire", async () => {
    const schema = newSchema();
    store = createPostgresStore({ connectionString: DATABASE_URL, schema });
    await store.migrate();
    const executions = path.join(dir, "kill.txt");
    const started = spawnWorkers(3, schema, { leaseMs: 1_000, concurrency: 10, stepMs: 20 }, executions);
    await Promise.all(started.map((w) => w.next((m) => m.event === "ready")));
    const victim = started[0]!;
    await Promise.all(Array.from({ length: 60 }, (_, n) => enqueueRun(store, tenSteps, { n })));
    await until("the victim to be mid-run", () => (executionsOf(executions).filter(([, , pid]) => pid === victim.pid).length >= 30 ? true : undefined));
    victim.child.kill("SIGKILL");
    expect(await victim.exited).toBe("SIGKILL");
    await until("60 completed runs", async () => ((await completedCount(schema)) === 60 ? true : undefined), 120_000);

    const lines = executionsOf(executions);
    const victimRuns = new Set(lines.filter(([, , pid]) => pid === victim.pid).map(([runId]) => runId));
    const epochs = await recordedEpochs(schema);
    const resumed = [...victimRuns].filter((runId) => [...epochs].some(([k, epoch]) => k.startsWith(runId) && epoch > 1));
    expect(resumed.length).toBeGreaterThan(0);
    // A step runs twice only when the killed worker started it and did not record it (the in-doubt window):
    // its first run was the victim's, and its recorded result comes from a later lease (epoch > 1).
    const byStep = new Map<string, number[]>();
    for (const [runId, step, pid] of lines) byStep.set(`${runId} ${step}`, [...(byStep.get(`${runId} ${step}`) ?? []), pid]);
    const twice = [...byStep].filter(([, pids]) => pids.length > 1);
    for (const [stepKey, pids] of twice) {
      expect(pids).toHaveLength(2);
      expect(pids[0]).toBe(victim.pid);
      expect(epochs.get(stepKey)).toBeGreaterThan(1);
    }
    expect(new Set(twice.map(([k]) => k.split(" ")[0])).size).toBe(twice.length);
    for (const w of started.slice(1)) w.child.kill("SIGTERM");
    await Promise.all(started.map((w) => w.exited));
    await store.close();
  });

  it("a stalled (SIGSTOPped) worker that lost its lease writes nothing after it resumes", async () => {
    const schema = newSchema();
    store = createPostgresStore({ connectionString: DATABASE_URL, schema });
    await store.migrate();
    const executions = path.join(dir, "stop.txt");
    const [stalled] = spawnWorkers(1, schema, { leaseMs: 800, concurrency: 1, stepMs: 200 }, executions);
    await stalled!.next((m) => m.event === "ready");
    const { runId } = await enqueueRun(store, tenSteps, { n: 1 });
    await until("the first worker to be in step 2", () => (executionsOf(executions).some(([, step]) => step === "step-2") ? true : undefined));
    stalled!.child.kill("SIGSTOP");
    const [rescuer] = spawnWorkers(1, schema, { leaseMs: 800, concurrency: 1, stepMs: 0 }, executions);
    await rescuer!.next((m) => m.event === "outcome" && m.runId === runId);
    expect((await store.getRun(runId))?.status).toBe("completed");
    const [before] = await sql<{ n: number }>(`select count(*)::integer as n from "${schema}".records where run_id = $1`, [runId]);

    stalled!.child.kill("SIGCONT");
    const late = await stalled!.next((m) => m.event === "outcome" && m.runId === runId);
    expect(["failed", "interrupted"]).toContain(late.status);
    if (late.status === "failed") expect(late.error).toBe("LockLostError");
    const [after] = await sql<{ n: number }>(`select count(*)::integer as n from "${schema}".records where run_id = $1`, [runId]);
    expect(after!.n).toBe(before!.n);
    const run = await store.loadRun(runId);
    expect(run.records.at(-1)).toMatchObject({ type: "end", status: "completed", out: { json: 56 } });
    expect((await store.getRun(runId))?.status).toBe("completed");
    for (const w of [stalled!, rescuer!]) w.child.kill("SIGTERM");
    await Promise.all([stalled!.exited, rescuer!.exited]);
    await store.close();
  });
});
