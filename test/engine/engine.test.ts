import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src/engine/engine.js";
import { RunCancelledError, TerminalError, UsageError } from "../../src/errors.js";
import type { RunEvent } from "../../src/events.js";
import { ManualClock, readAll, readUntil, tempStateDir, typesOf } from "./helpers.js";
import { approval, broken, chatty, executions, reminder } from "./workflows.js";

let state: ReturnType<typeof tempStateDir>;
let engine: Engine;
let clock: ManualClock;

beforeEach(() => {
  state = tempStateDir();
  clock = new ManualClock();
  engine = createEngine({ dir: state.dir, clock, workflows: [approval, reminder, broken, chatty] });
  executions.clear();
});

afterEach(async () => {
  await engine.close();
  state.remove();
});

describe("start, stream and send", () => {
  it("returns the run id while the run waits in memory, and wakes it on send", async () => {
    const handle = await engine.start(approval, { amount: 120 });
    expect(handle.runId).toMatch(/^[0-9A-Z]{26}$/);
    const stream = handle.stream();
    const wait = (await readUntil(stream, "run:wait")).at(-1);
    expect(wait).toMatchObject({ type: "run:wait", runId: handle.runId, wait: { kind: "event", event: "approval", key: "approval" } });
    expect((await engine.list({ workflow: "approval" }))[0]).toMatchObject({ runId: handle.runId, status: "waiting" });

    await engine.send(handle.runId, "approval", { approved: true, by: "ada" });
    await expect(handle.result()).resolves.toEqual({ applied: 120, by: "ada" });
    expect(typesOf(await readAll(stream))).toEqual(["step:start", "step:complete", "run:complete"]);

    const details = await engine.get(handle.runId);
    expect(details).toMatchObject({ status: "completed", input: { amount: 120 }, output: { applied: 120, by: "ada" }, inMemory: false });
  });

  it("gives a second stream joining mid-run every event so far, in order, then the live ones", async () => {
    const handle = await engine.start(approval, { amount: 5 });
    const first = engine.stream(handle.runId);
    const before = await readUntil(first, "run:wait");
    const second = engine.stream(handle.runId);
    await engine.send(handle.runId, "approval", { approved: false, by: "bob" });
    const [restOfFirst, all] = await Promise.all([readAll(first), readAll(second)]);

    expect(all).toEqual([...before, ...restOfFirst]);
    expect(typesOf(all)).toEqual([
      "run:start", "step:start", "step:complete", "run:wait", "step:start", "step:complete", "run:complete",
    ]);
    expect(all.map((e) => ("key" in e ? e.key : undefined))).toEqual([handle.runId, "submit", "submit", undefined, "apply", "apply", undefined]);
  });

  it("streams a finished run that is no longer in memory from its journal", async () => {
    const handle = await engine.start(approval, { amount: 7 });
    await readUntil(handle.stream(), "run:wait");
    await handle.send("approval", { approved: true, by: "cy" });
    await handle.result();

    const other = createEngine({ dir: state.dir });
    try {
      const events = await readAll(other.stream(handle.runId));
      expect(typesOf(events)).toEqual(["run:start", "step:replay", "step:replay", "run:complete"]);
      expect(events.at(-1)).toMatchObject({ type: "run:complete", result: { applied: 7, by: "cy" } });
    } finally {
      await other.close();
    }
  });

  it("makes the first read of an unknown run's stream reject", async () => {
    await expect(engine.stream("01JD3Q8Z9X4M2N7P5R6S8T0V1W").next()).rejects.toThrow(UsageError);
    await expect(engine.stream("../etc").next()).rejects.toThrow(/invalid run id/);
  });

  it("ends a sleep when the injected clock reaches its wake time", async () => {
    const handle = await engine.start(reminder, { to: "ada" });
    const stream = handle.stream();
    const wait = (await readUntil(stream, "run:wait")).at(-1) as Extract<RunEvent, { type: "run:wait" }>;
    expect(wait.wait).toEqual({ kind: "sleep", key: "wait-an-hour", until: clock.now() + 3_600_000 });
    expect(clock.pendingSleeps).toBe(1);

    clock.advance(3_599_999);
    expect(clock.pendingSleeps).toBe(1);
    clock.advance(1);
    await expect(handle.result()).resolves.toBe("reminded ada");
    expect(typesOf(await readAll(stream))).toEqual(["step:start", "step:complete", "run:complete"]);
  });

  it("starts a registered workflow by name and refuses an unknown name", async () => {
    const handle = await engine.start("approval", { amount: 1 });
    expect(handle.workflow).toBe("approval");
    await readUntil(handle.stream(), "run:wait");
    await expect(engine.start("nope", {})).rejects.toThrow(/no workflow named 'nope'/);
  });

  it("joins the running run of a key, and returns the recorded result of a completed key without executing it", async () => {
    const first = await engine.start(approval, { amount: 3 }, { key: "invoice-1" });
    await readUntil(first.stream(), "run:wait");
    const joined = await engine.start(approval, { amount: 3 }, { key: "invoice-1" });
    expect(joined.runId).toBe(first.runId);
    await first.send("approval", { approved: true, by: "dee" });
    await expect(joined.result()).resolves.toEqual({ applied: 3, by: "dee" });

    await expect(engine.run(approval, { amount: 3 }, { key: "invoice-1" })).resolves.toEqual({ applied: 3, by: "dee" });
    const again = await engine.start(approval, { amount: 3 }, { key: "invoice-1" });
    expect(again.runId).toBe(first.runId);
    expect(executions.get("submit")).toBe(1);
    expect(executions.get("apply")).toBe(1);
  });

  it("ends the stream with run:fail when a step fails for good", async () => {
    const handle = await engine.start(broken, undefined);
    const events = await readAll(handle.stream());
    expect(typesOf(events).slice(-2)).toEqual(["step:fail", "run:fail"]);
    expect(events.at(-1)).toMatchObject({ type: "run:fail", exitCode: 30 });
    const error: unknown = await handle.result().catch((e: unknown) => e);
    expect((error as Error).name).toBe("StepFailedError");
    expect((error as { cause?: unknown }).cause).toBeInstanceOf(TerminalError);
  });
});

describe("cancel", () => {
  it("cancels a run waiting in memory with its reason", async () => {
    const handle = await engine.start(approval, { amount: 9 });
    const stream = handle.stream();
    await readUntil(stream, "run:wait");
    await expect(engine.cancel(handle.runId, "no longer needed")).resolves.toBe(true);

    const rest = await readAll(stream);
    expect(rest.at(-1)).toMatchObject({ type: "run:cancel", reason: "no longer needed" });
    await expect(handle.result()).rejects.toThrow(RunCancelledError);
    expect(await engine.get(handle.runId)).toMatchObject({ status: "cancelled", error: { message: "no longer needed" } });
    expect(executions.get("apply")).toBeUndefined();
    await expect(engine.cancel(handle.runId)).resolves.toBe(false);
    await expect(engine.send(handle.runId, "approval", {})).rejects.toThrow(/cancelled; it takes no more events/);
  });
});

describe("events and history", () => {
  it("delivers every event to onEvent listeners until they unsubscribe", async () => {
    const seen: string[] = [];
    const stop = engine.onEvent((e) => seen.push(e.type));
    const handle = await engine.start(approval, { amount: 2 });
    await readUntil(handle.stream(), "run:wait");
    stop();
    await handle.send("approval", { approved: true, by: "eve" });
    await handle.result();
    expect(seen).toEqual(["run:start", "step:start", "step:complete", "run:wait"]);
  });

  it("keeps the newest events of a run and tells a late stream how many were dropped", async () => {
    const small = createEngine({ dir: state.dir, clock, maxEventsPerRun: 3 });
    try {
      const handle = await small.start(chatty, { steps: 4 });
      await readUntil(handle.stream(), "run:wait");
      const late = await readUntil(small.stream(handle.runId), "run:wait");
      expect(typesOf(late)).toEqual(["run:warning", "step:start", "step:complete", "run:wait"]);
      expect(late[0]).toMatchObject({ message: expect.stringContaining("7 earlier events") });
      expect(late.slice(1, 3).map((e) => ("key" in e ? e.key : ""))).toEqual(["s3", "s3"]);
    } finally {
      await small.close();
    }
  });
});
