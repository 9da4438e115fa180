import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src/engine/engine.js";
import { RunCancelledError } from "../../src/errors.js";
import type { RunEvent } from "../../src/events.js";
import { ManualClock, readAll, readUntil, tempStateDir, typesOf } from "./helpers.js";
import { approval, broken, executions, reminder } from "./workflows.js";

let state: ReturnType<typeof tempStateDir>;
const engines: Engine[] = [];

function engineOnState(clock = new ManualClock()): Engine {
  const engine = createEngine({ dir: state.dir, clock, workflows: [approval, reminder, broken] });
  engines.push(engine);
  return engine;
}

beforeEach(() => {
  state = tempStateDir();
  executions.clear();
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  state.remove();
});

describe("resumeAll after a restart", () => {
  it("resumes a run that waited in the closed engine, and completes it after send", async () => {
    const before = engineOnState();
    const handle = await before.start(approval, { amount: 40 });
    const stream = handle.stream();
    await readUntil(stream, "run:wait");
    await before.close();
    await expect(handle.result()).rejects.toThrow(RunCancelledError);
    expect(await readAll(stream)).toEqual([]);
    expect((await before.list())[0]).toMatchObject({ runId: handle.runId, status: "running" });

    const after = engineOnState();
    const resumed = await after.resumeAll();
    expect(resumed.map((h) => h.runId)).toEqual([handle.runId]);
    const events = after.stream(handle.runId);
    const untilWait = await readUntil(events, "run:wait");
    expect(typesOf(untilWait)).toEqual(["run:resume", "step:replay", "run:wait"]);
    expect(untilWait[0]).toMatchObject({ type: "run:resume", recordedSteps: 1 });

    await after.send(handle.runId, "approval", { approved: true, by: "ada" });
    await expect(resumed[0]!.result()).resolves.toEqual({ applied: 40, by: "ada" });
    expect(typesOf(await readAll(events))).toEqual(["step:start", "step:complete", "run:complete"]);
    expect(executions.get("submit")).toBe(1);
    expect(await after.resumeAll()).toEqual([]);
  });

  it("keeps the wake time of a sleep across the restart", async () => {
    const clock = new ManualClock();
    const before = engineOnState(clock);
    const handle = await before.start(reminder, { to: "bob" });
    const wait = (await readUntil(handle.stream(), "run:wait")).at(-1) as Extract<RunEvent, { type: "run:wait" }>;
    await before.close();

    clock.advance(1_000_000);
    const after = engineOnState(clock);
    const [resumed] = await after.resumeAll();
    const again = (await readUntil(resumed!.stream(), "run:wait")).at(-1) as Extract<RunEvent, { type: "run:wait" }>;
    expect(again.wait.until).toBe(wait.wait.until);
    clock.advance(2_600_000);
    await expect(resumed!.result()).resolves.toBe("reminded bob");
  });

  it("leaves finished runs, runs of unregistered workflows and runs running in this engine alone", async () => {
    const engine = engineOnState();
    await expect(engine.run(broken, undefined)).rejects.toThrow();
    const waiting = await engine.start(approval, { amount: 1 });
    await readUntil(waiting.stream(), "run:wait");
    expect(await engine.resumeAll({ failed: false })).toEqual([]);

    const narrow = createEngine({ dir: state.dir, workflows: [reminder] });
    engines.push(narrow);
    expect(await narrow.resumeAll()).toEqual([]);
  });

  it("resumes a failed run that was not compensated unless told not to", async () => {
    const first = engineOnState();
    const failedRun = await first.start(broken, undefined);
    await expect(failedRun.result()).rejects.toThrow(/the ledger is closed/);
    await first.close();

    const second = engineOnState();
    expect(await second.resumeAll({ failed: false })).toEqual([]);
    const resumed = await second.resumeAll();
    expect(resumed.map((h) => h.runId)).toEqual([failedRun.runId]);
    const events = await readAll(resumed[0]!.stream());
    expect(typesOf(events)).toEqual(["run:resume", "step:replay", "step:start", "step:fail", "run:fail"]);
  });
});
