import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, expect, it, onTestFinished } from "vitest";
import { createPostgresStore, enqueueRun, latestVersion, type PostgresStore } from "../../src/store/postgres/index.js";
import { DATABASE_URL, describePg, dropSchema, freshSchema, until } from "../postgres/pg-env.js";
import { CLI, FLOWS, cli, flow, json, removeTemps, start, tempDir } from "./helpers.js";

const schema = freshSchema("cli");
const PG = { STEPLOG_DATABASE_URL: DATABASE_URL, STEPLOG_DATABASE_SCHEMA: schema };
const db = ["--database-url", DATABASE_URL, "--database-schema", schema];
let store: PostgresStore | undefined;

afterAll(async () => {
  await store?.close();
  await dropSchema(schema);
  removeTemps();
});

async function newestRun(workflow: string): Promise<string> {
  const runs = json<{ runId: string }[]>(await cli(["list", ...db, "--workflow", workflow, "--json"]));
  expect(runs.length).toBeGreaterThan(0);
  return runs[0]!.runId;
}

describePg("the CLI and main() on PostgreSQL", () => {
  it("migrate applies the migrations once and then reports the schema up to date", async () => {
    const first = await cli(["migrate", ...db, "--json"]);
    expect(first.code).toBe(0);
    const versions = Array.from({ length: latestVersion() }, (_, i) => i + 1);
    expect(json(first)).toEqual({ ok: true, schema, version: latestVersion(), applied: versions });
    const again = await cli(["migrate", "--json"], { env: PG });
    expect(json(again)).toEqual({ ok: true, schema, version: latestVersion(), applied: [] });
    const fileStore = await cli(["migrate", "--dir", tempDir()]);
    expect(fileStore.code).toBe(10);
    expect(fileStore.stderr).toContain("--database-url");
  });

  it("main() runs on PostgreSQL with STEPLOG_DATABASE_URL; list, inspect, send and resume work with --database-url", async () => {
    const dir = path.join(tempDir(), "state");
    expect((await flow("approval", dir, [], PG)).code).toBe(40);
    expect(fs.existsSync(dir)).toBe(false);
    const runId = await newestRun("approval");
    const listed = await cli(["list", ...db]);
    expect(listed.stdout).toMatch(new RegExp(`${runId}\\s+approval\\s+approval\\s+waiting`));
    const sent = await cli(["send", runId, "approve", "--data", '{"ok":"pg"}', ...db]);
    expect(sent.code).toBe(0);
    const inspect = await cli(["inspect", runId, ...db]);
    expect(inspect.stdout).toContain("inbox: 'approve' delivered, not yet consumed");
    const resumed = await cli(["resume", runId, ...db], { env: { FIXTURE_WORKFLOW: "approval" } });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`STEPLOG_DATABASE_URL=${DATABASE_URL}`);
    expect(JSON.parse(resumed.stdout)).toEqual({ published: { ok: "pg" } });
    expect(json<{ status: string }>(await cli(["status", runId, "--json"], { env: PG })).status).toBe("completed");
    expect((await cli(["inspect", "01ARZ3NDEKTSV4RRFFQ69G5FAV", ...db])).code).toBe(10);
  });

  it("cancel, dlq, gc and unlock against --database-url", async () => {
    const dir = path.join(tempDir(), "state");
    const marker = path.join(tempDir(), "marker");
    fs.writeFileSync(marker, "");
    expect((await flow("flaky", dir, [], { ...PG, FAIL_MARKER: marker })).code).toBe(30);
    const entries = json<{ id: string; stepKey: string; status: string; workflow: string }[]>(await cli(["dlq", "list", ...db, "--json"]));
    expect(entries).toEqual([expect.objectContaining({ stepKey: "charge", status: "open", workflow: "flaky" })]);
    expect((await cli(["dlq", "show", entries[0]!.id, ...db])).stdout).toContain("TerminalError [TERMINAL]: card declined");

    expect((await flow("approval", dir, ["--fresh", "--key", "to-cancel"], PG)).code).toBe(40);
    const waiting = await newestRun("approval");
    const cancelled = await cli(["cancel", waiting, "--reason", "not needed", ...db, "--json"]);
    expect(json(cancelled)).toMatchObject({ ok: true, requested: true, status: "waiting" });
    const rerun = await cli(["resume", waiting, ...db], { env: { FIXTURE_WORKFLOW: "approval" } });
    expect(rerun.code).toBe(50);
    expect(json<{ status: string }>(await cli(["status", waiting, ...db, "--json"])).status).toBe("cancelled");

    const unlock = await cli(["unlock", "approval", ...db]);
    expect(unlock.code).toBe(10);
    expect(unlock.stderr).toContain("on PostgreSQL there is none to remove");

    const completed = json<{ runId: string }[]>(await cli(["list", ...db, "--status", "completed,cancelled", "--json"])).map((r) => r.runId);
    expect(completed).toContain(waiting);
    const gc = await cli(["gc", "--older-than", "0ms", ...db, "--json"]);
    expect(gc.code).toBe(0);
    expect(json<{ removed: { runId: string }[] }>(gc).removed.map((r) => r.runId).sort()).toEqual([...completed].sort());
    expect(json<unknown[]>(await cli(["list", ...db, "--status", "completed,cancelled", "--json"]))).toEqual([]);
    expect(json<unknown[]>(await cli(["list", ...db, "--status", "failed", "--json"]))).toHaveLength(1);
    expect((await flow("approval", dir, ["--fresh", "--key", "kept"], PG)).code).toBe(40);
    const kept = await newestRun("approval");
    const gcAgain = await cli(["gc", "--older-than", "0ms", ...db, "--json"]);
    expect(json<{ removed: { runId: string }[] }>(gcAgain).removed.map((r) => r.runId)).not.toContain(kept);
    expect(json<{ status: string }>(await cli(["status", kept, ...db, "--json"])).status).toBe("waiting");
  });

  it("worker as a child process completes enqueued runs and exits 0 on SIGTERM", async () => {
    store = createPostgresStore({ connectionString: DATABASE_URL, schema });
    const { steps } = (await import(FLOWS)) as { steps: Parameters<typeof enqueueRun>[1] };
    const worker = start(CLI, ["worker", "--module", FLOWS, "--concurrency", "4", ...db, "--json"]);
    onTestFinished(() => void (worker.child.exitCode === null && worker.child.kill("SIGKILL")));
    const ids = await Promise.all([1, 2, 3, 4, 5].map(async (n) => (await enqueueRun(store!, steps, undefined, { key: `batch-${n}` })).runId));
    await until("the worker to complete every run", async () => {
      const runs = await Promise.all(ids.map((id) => store!.getRun(id)));
      return runs.every((r) => r?.status === "completed") ? true : undefined;
    });
    worker.child.kill("SIGTERM");
    const result = await worker.done;
    expect(worker.child.exitCode).toBe(0);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("SIGTERM received");
    expect(result.stderr).toContain("steplog worker: stopped");
    const outcomes = result.stdout.trim().split("\n").map((l) => JSON.parse(l) as { runId: string; status: string });
    expect(outcomes.filter((o) => ids.includes(o.runId)).map((o) => o.status)).toEqual(ids.map(() => "completed"));
    const run = await store.loadRun(ids[0]!);
    expect(run.records.at(-1)).toMatchObject({ type: "end", status: "completed", out: { json: { total: 5 } } });
  });

  it("export and import move a waiting run file -> PostgreSQL -> file; its event sent meanwhile completes it", async () => {
    const dir = path.join(tempDir(), "state");
    expect((await flow("approval", dir, ["--key", "moved"])).code).toBe(40);
    const runId = json<{ runId: string }[]>(await cli(["list", "--dir", dir, "--json"]))[0]!.runId;
    const exported = await cli(["export", runId, "--dir", dir, "--to-database-url", DATABASE_URL, "--database-schema", schema, "--json"]);
    expect(exported.code).toBe(0);
    expect(json(exported)).toMatchObject({ ok: true, runId, events: 0 });
    expect(json<{ status: string }>(await cli(["status", runId, ...db, "--json"])).status).toBe("waiting");
    expect(json<{ status: string }>(await cli(["status", runId, "--dir", dir, "--json"])).status).toBe("cancelled");
    expect((await cli(["send", runId, "approve", "--data", '{"ok":"moved"}', ...db])).code).toBe(0);

    const imported = await cli(["import", runId, "--dir", dir, "--from-database-url", DATABASE_URL, "--database-schema", schema, "--json"]);
    expect(imported.code).toBe(0);
    expect(json(imported)).toMatchObject({ ok: true, runId, events: 1, next: `steplog resume ${runId} --dir ${dir}` });
    expect(json<{ status: string }>(await cli(["status", runId, ...db, "--json"])).status).toBe("cancelled");
    const resumed = await cli(["resume", runId, "--dir", dir], { env: { FIXTURE_WORKFLOW: "approval" } });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ published: { ok: "moved" } });
    expect((await cli(["inspect", runId, "--dir", dir])).stdout).toMatch(/✓\s+draft.*replayed/);
    expect((await cli(["import", runId, "--dir", dir, ...db])).code).toBe(10);
  });
});
