import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createFileStore } from "../../src/index.js";
import { runFixture, sinkLines, tempDir } from "./harness.js";

async function send(dir: string, runId: string, event: string, data: unknown) {
  const store = createFileStore({ dir });
  await store.sendEvent(runId, event, { json: data }, Date.now());
  await store.close();
}

async function journal(dir: string, runId: string) {
  const store = createFileStore({ dir });
  const run = await store.loadRun(runId);
  await store.close();
  return run.records;
}

describe("ctx.waitForEvent in a script", () => {
  it("suspends with the command that delivers the event, and completes with the payload after send", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const env = { STEPLOG_DIR: dir, SINK: sink };
    const first = await runFixture("approval.mjs", ["--json"], env);
    expect(first.code).toBe(40);
    const envelope = JSON.parse(first.stdout);
    expect(envelope.wait).toMatchObject({ kind: "event", event: "approval" });
    expect(envelope.wait.resume).toContain(`steplog send ${envelope.runId} approval --data '<json>' --dir ${path.relative(process.cwd(), dir)} && node`);
    expect(first.stderr).toContain(`steplog send ${envelope.runId} approval`);

    await send(dir, envelope.runId, "approval", { ok: true, by: "ada" });
    const second = await runFixture("approval.mjs", [], env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ first: { ok: true, by: "ada" } });
    expect(sinkLines(sink)).toEqual(["prepare", "finish"]);
  });

  it("rejects a payload that fails the schema, consumes nothing, and stays waiting", async () => {
    const dir = tempDir();
    const env = { STEPLOG_DIR: dir, SINK: path.join(dir, "sink.txt") };
    const { runId } = JSON.parse((await runFixture("approval.mjs", ["--json"], env)).stdout);
    await send(dir, runId, "approval", { ok: "yes" });
    const rerun = await runFixture("approval.mjs", ["--json"], env);
    expect(rerun.code).toBe(40);
    expect(rerun.stderr).toMatch(/event 'approval' \(message [0-9A-Z]{26}\) was rejected and not consumed: ok: expected \{ ok: boolean \}/);
    expect((await journal(dir, runId)).filter((r) => r.type === "event")).toEqual([]);

    await send(dir, runId, "approval", { ok: false });
    const fixed = await runFixture("approval.mjs", [], env);
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toEqual({ first: { ok: false } });
  });

  it("keeps events delivered before the wait and consumes each once when the same event is awaited twice", async () => {
    const dir = tempDir();
    const env = { STEPLOG_DIR: dir, SINK: path.join(dir, "sink.txt"), TWICE: "1" };
    const { runId } = JSON.parse((await runFixture("approval.mjs", ["--json"], env)).stdout);
    await send(dir, runId, "approval", { ok: true, n: 1 });
    await send(dir, runId, "approval", { ok: true, n: 2 });
    const done = await runFixture("approval.mjs", [], env);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toEqual({ first: { ok: true, n: 1 }, second: { ok: true, n: 2 } });
    const events = (await journal(dir, runId)).filter((r) => r.type === "event");
    expect(events.map((e) => (e as { key: string }).key)).toEqual(["approval", "approval#2"]);
    expect(new Set(events.map((e) => (e as { messageId: string }).messageId)).size).toBe(2);
  });

  it("throws EventTimeoutError inside the workflow once the timeout has passed", async () => {
    const dir = tempDir();
    const env = { STEPLOG_DIR: dir, SINK: path.join(dir, "sink.txt"), TIMEOUT_MS: "60000" };
    const first = await runFixture("approval.mjs", ["--json"], env);
    expect(first.code).toBe(40);
    expect(JSON.parse(first.stdout).wait.until).toBeDefined();
    const late = await runFixture("approval.mjs", [], { ...env, TIME_OFFSET_MS: "61000" });
    expect(late.code).toBe(0);
    expect(JSON.parse(late.stdout)).toEqual({ expired: true });
  });
});
