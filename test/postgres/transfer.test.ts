import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createFileStore, workflow, type Store } from "../../src/index.js";
import { currentEntry } from "../../src/main/entry.js";
import { executeRun } from "../../src/run/execute.js";
import { createPostgresStore, createWorker, enqueueRun, type PostgresStore } from "../../src/store/postgres/index.js";
import { exportRun } from "../../src/store/transfer.js";
import { definitionOf } from "../../src/workflow.js";
import { DATABASE_URL, describePg, dropSchema, freshSchema, until } from "./pg-env.js";

const schema = freshSchema("transfer");
let dir: string;
let pg: PostgresStore;
let file: Store;
const executed: string[] = [];

const approval = workflow("approval", async (ctx, input: { amount: number }) => {
  const quote = await ctx.step("quote", () => (executed.push(`${ctx.runId} quote`), input.amount * 2));
  const answer = await ctx.waitForEvent<{ ok: boolean }>("approve");
  const sent = await ctx.step("send", () => (executed.push(`${ctx.runId} send`), answer.ok ? quote : 0));
  return { sent };
});

describePg("moving a run between the file store and PostgreSQL", () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-transfer-"));
    file = createFileStore({ dir });
    pg = createPostgresStore({ connectionString: DATABASE_URL, schema, pollIntervalMs: 100 });
  });
  afterAll(async () => {
    await pg?.close();
    await file?.close();
    await dropSchema(schema);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a run suspended on an event in the file store, moved to PostgreSQL, completes there when the event arrives", async () => {
    const outcome = await executeRun({
      definition: definitionOf(approval), store: file, input: { amount: 21 }, inputGiven: true, key: "order-1", keyExplicit: true,
      fresh: false, onLocked: "fail", suspendable: true, listeners: [], entry: currentEntry(),
    });
    expect(outcome.status).toBe("waiting");
    const runId = outcome.runId!;

    const moved = await exportRun(file, runId, pg);
    expect(moved).toMatchObject({ runId, events: 0 });
    expect((await pg.getRun(runId))?.status).toBe("waiting");
    expect((await file.getRun(runId))?.status).toBe("cancelled");

    const worker = createWorker({ store: pg, workflows: [approval] }).start();
    await pg.sendEvent(runId, "approve", { json: { ok: true } }, Date.now());
    await until("the moved run to complete", async () => ((await pg.getRun(runId))?.status === "completed" ? true : undefined));
    await worker.stop();
    const run = await pg.loadRun(runId);
    expect(run.records.at(-1)).toMatchObject({ type: "end", status: "completed", out: { json: { sent: 42 } } });
    expect(executed.filter((e) => e.startsWith(runId))).toEqual([`${runId} quote`, `${runId} send`]);
  });

  it("a run waiting in PostgreSQL, with its event already delivered, moves to the file store and completes there", async () => {
    const { runId } = await enqueueRun(pg, approval, { amount: 5 });
    const worker = createWorker({ store: pg, workflows: [approval] }).start();
    await until("the run to wait", async () => ((await pg.getRun(runId))?.status === "waiting" ? true : undefined));
    await worker.stop();
    await pg.sendEvent(runId, "approve", { json: { ok: true } }, Date.now());

    const moved = await exportRun(pg, runId, file);
    expect(moved.events).toBe(1);
    expect((await pg.getRun(runId))?.status).toBe("cancelled");
    await expect(exportRun(pg, runId, file)).rejects.toThrow(/already exists/);

    expect(await approval.run({ amount: 5 }, { runId, store: file })).toEqual({ sent: 10 });
    expect(executed.filter((e) => e.startsWith(runId))).toEqual([`${runId} quote`, `${runId} send`]);
  });
});
