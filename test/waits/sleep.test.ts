import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { workflow, type Clock } from "../../src/index.js";
import { runFixture, sinkLines, tempDir } from "./harness.js";

const HOUR = 3_600_000;

describe("ctx.sleep in a script", () => {
  it("suspends with exit 40, exits 40 again when rerun early, and continues after the wake time", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const env = { STEPLOG_DIR: dir, SINK: sink, SLEEP_MS: String(HOUR) };

    const first = await runFixture("sleeper.mjs", ["--json"], env);
    expect(first.code).toBe(40);
    const envelope = JSON.parse(first.stdout);
    expect(envelope).toMatchObject({ ok: true, status: "waiting", exitCode: 40, workflow: "sleeper", wait: { kind: "sleep" } });
    expect(envelope.wait.resume).toContain(`--run-id ${envelope.runId}`);
    const wakeAt = Date.parse(envelope.wait.until);
    expect(wakeAt).toBeGreaterThan(Date.now() + HOUR - 60_000);
    expect(sinkLines(sink)).toEqual(["before"]);

    const early = await runFixture("sleeper.mjs", ["--json"], env);
    expect(early.code).toBe(40);
    expect(JSON.parse(early.stdout).wait.until).toBe(envelope.wait.until); // the journaled wake time, not a new one
    expect(sinkLines(sink)).toEqual(["before"]);

    const late = await runFixture("sleeper.mjs", [], { ...env, TIME_OFFSET_MS: String(HOUR + 1000) });
    expect(late.code).toBe(0);
    expect(JSON.parse(late.stdout)).toBe("done");
    expect(sinkLines(sink)).toEqual(["before", "after"]);
  });

  it("waits in the process for a sleep shorter than suspendAfterMs", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const result = await runFixture("sleeper.mjs", [], { STEPLOG_DIR: dir, SINK: sink, SLEEP_MS: "30" });
    expect(result.code).toBe(0);
    expect(sinkLines(sink)).toEqual(["before", "after"]);
  });
});

/** A clock that only moves when the test says so. */
function manualClock(start = 1_800_000_000_000) {
  let now = start;
  const sleepers: { at: number; resolve: () => void }[] = [];
  let onSleep: (() => void) | undefined;
  const clock: Clock = {
    now: () => now,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        sleepers.push({ at: now + ms, resolve });
        onSleep?.();
      }),
  };
  return {
    clock,
    sleeping: () => new Promise<void>((resolve) => (sleepers.length > 0 ? resolve() : (onSleep = resolve))),
    advance(ms: number) {
      now += ms;
      for (const s of sleepers.splice(0)) if (s.at <= now) s.resolve();
        else sleepers.push(s);
    },
  };
}

describe("ctx.sleep in a long-lived process", () => {
  it("waits in memory on the injected clock instead of suspending", async () => {
    const time = manualClock();
    const calls: string[] = [];
    const wf = workflow(
      "in-memory-sleep",
      async (ctx) => {
        await ctx.step("a", () => calls.push("a"));
        await ctx.sleep("a day", 86_400_000);
        await ctx.step("b", () => calls.push("b"));
        return calls.length;
      },
      { clock: time.clock, durability: "process" },
    );
    const result = wf.run(undefined, { dir: tempDir() });
    await time.sleeping();
    expect(calls).toEqual(["a"]);
    time.advance(86_400_000);
    await expect(result).resolves.toBe(2);
    expect(calls).toEqual(["a", "b"]);
  });
});
