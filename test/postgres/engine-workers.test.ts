import { afterAll, beforeAll, expect, it } from "vitest";
import { createEngine, createFileStore, workflow } from "../../src/index.js";
import { createPostgresStore, createWorker, type PostgresStore } from "../../src/store/postgres/index.js";
import { DATABASE_URL, describePg, dropSchema, freshSchema } from "./pg-env.js";

const schema = freshSchema("engine");
let store: PostgresStore;
const executedBy: string[] = [];

const double = workflow("double", async (ctx, input: { n: number }) => ctx.step("double", () => (executedBy.push(`${ctx.runId}`), input.n * 2)));

describePg("engine.start() on the PostgreSQL store", () => {
  beforeAll(() => {
    store = createPostgresStore({ connectionString: DATABASE_URL, schema, pollIntervalMs: 50 });
  });
  afterAll(async () => {
    await store?.close();
    await dropSchema(schema);
  });

  it("enqueues by default: nothing executes until a worker picks the run up, whose result the handle returns", async () => {
    const engine = createEngine({ store, workflows: [double] });
    const handle = await engine.start(double, { n: 21 }, { key: "k-1" });
    expect((await store.getRun(handle.runId))?.status).toBe("running");
    expect(await engine.get(handle.runId)).toMatchObject({ inMemory: false, status: "running" });
    expect(executedBy).not.toContain(handle.runId);
    const worker = createWorker({ store, workflows: [double] }).start();
    try {
      expect(await handle.result()).toBe(42);
      const events = [];
      for await (const event of handle.stream()) events.push(event.type);
      expect(events.at(-1)).toBe("run:complete");
    } finally {
      await worker.stop();
      await engine.close();
    }
    expect(executedBy.filter((id) => id === handle.runId)).toHaveLength(1);
  });

  it('execute: "local" runs in the engine; "workers" needs a store that queues', async () => {
    const engine = createEngine({ store, workflows: [double], execute: "local" });
    const handle = await engine.start(double, { n: 5 });
    expect((await engine.get(handle.runId))?.inMemory).toBe(true);
    expect(await handle.result()).toBe(10);
    await engine.close();
    expect(() => createEngine({ store: createFileStore({ dir: "/nonexistent-steplog" }), execute: "workers" })).toThrow(/needs a store that queues runs/);
  });
});
