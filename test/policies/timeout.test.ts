import { describe, expect, it } from "vitest";
import { RunCancelledError, StepTimeoutError } from "../../src/errors.js";
import { runWithPolicies, type AttemptContext, type StepPolicy } from "../../src/policies/compose.js";
import { DEFAULT_RETRY } from "../../src/policies/options.js";
import { makeEnv, ManualClock, until } from "./fakes.js";

const policy = (timeoutMs: number | undefined, retries = 3): StepPolicy => ({
  retry: { ...DEFAULT_RETRY, retries, jitter: false, minDelayMs: 100 },
  timeoutMs,
  breaker: undefined,
});

/** Resolves when the signal aborts, never otherwise (a step that honours its signal). */
const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));

describe("timeout", () => {
  it("aborts the attempt's signal, fails the attempt with StepTimeoutError, then retries", async () => {
    const clock = new ManualClock(0);
    const env = makeEnv({ clock, stepKey: "fetch-report" });
    const signals: AbortSignal[] = [];
    const outcome = runWithPolicies(({ attempt, signal }: AttemptContext) => {
      signals.push(signal);
      return attempt === 1 ? untilAborted(signal) : "report";
    }, policy(5_000), env);

    await until(() => clock.pendingSleeps === 1, "the timeout timer");
    await clock.advance(4_999);
    expect(signals[0]?.aborted).toBe(false);
    expect(env.failures).toEqual([]);

    await clock.advance(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBeInstanceOf(StepTimeoutError);
    expect(env.failures).toHaveLength(1);
    const failure = env.failures[0];
    expect(failure?.error).toBeInstanceOf(StepTimeoutError);
    expect((failure?.error as StepTimeoutError).stepKey).toBe("fetch-report");
    expect((failure?.error as StepTimeoutError).timeoutMs).toBe(5_000);
    expect(failure?.delayMs).toBe(100);

    await clock.advance(100);
    await expect(outcome).resolves.toEqual({ value: "report", attempts: 2 });
    expect(signals[1]).not.toBe(signals[0]);
    expect(signals[1]?.aborted).toBe(false);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("fails the attempt on time even when the step ignores its signal (it keeps running)", async () => {
    const clock = new ManualClock(0);
    const env = makeEnv({ clock });
    let finishStep: (value: string) => void = () => {};
    const outcome = runWithPolicies(() => new Promise<string>((resolve) => (finishStep = resolve)), policy(1_000, 0), env);
    const settled = outcome.catch((e: unknown) => e);
    await until(() => clock.pendingSleeps === 1, "the timeout timer");
    await clock.advance(1_000);
    const error = await settled;
    expect((error as { error?: unknown }).error).toBeInstanceOf(StepTimeoutError);
    finishStep("late");
    expect(env.failures.map((f) => f.delayMs)).toEqual([null]);
  });

  it("cancels its timer when the attempt finishes first and leaves the signal alone", async () => {
    const clock = new ManualClock(0);
    let signal: AbortSignal | undefined;
    const result = await runWithPolicies((ctx) => {
      signal = ctx.signal;
      return 42;
    }, policy(1_000), makeEnv({ clock }));
    expect(result).toEqual({ value: 42, attempts: 1 });
    expect(clock.sleeps).toEqual([1_000]);
    expect(clock.pendingSleeps).toBe(0);
    expect(signal?.aborted).toBe(false);
  });

  it("passes the run's cancellation on to the attempt's signal", async () => {
    const clock = new ManualClock(0);
    const run = new AbortController();
    let signal: AbortSignal | undefined;
    const outcome = runWithPolicies((ctx) => {
      signal = ctx.signal;
      return untilAborted(ctx.signal);
    }, policy(60_000), makeEnv({ clock, signal: run.signal }));
    await until(() => signal !== undefined, "the first attempt");
    expect(signal).not.toBe(run.signal);
    run.abort(new Error("stop"));
    const error = await outcome.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunCancelledError);
    expect((error as RunCancelledError).reason).toBe("stop");
    expect(signal?.aborted).toBe(true);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("creates no timer and shares the run's signal when no timeout is set", async () => {
    const clock = new ManualClock(0);
    const run = new AbortController();
    let signal: AbortSignal | undefined;
    await runWithPolicies((ctx) => {
      signal = ctx.signal;
    }, policy(undefined), makeEnv({ clock, signal: run.signal }));
    expect(signal).toBe(run.signal);
    expect(clock.sleeps).toEqual([]);
  });
});
