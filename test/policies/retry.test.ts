import { describe, expect, it } from "vitest";
import {
  RetryableError,
  RunCancelledError,
  StepResultNotSerializableError,
  TerminalError,
} from "../../src/errors.js";
import { runWithPolicies, StepAttemptsExhausted, type StepPolicy } from "../../src/policies/compose.js";
import { DEFAULT_RETRY, resolveStepPolicy } from "../../src/policies/options.js";
import { backoffDelayMs } from "../../src/policies/retry.js";
import { makeEnv, ManualClock, scriptedRandom, until } from "./fakes.js";

const policy = (retry: Partial<StepPolicy["retry"]> = {}): StepPolicy => ({
  retry: { ...DEFAULT_RETRY, ...retry },
  timeoutMs: undefined,
  breaker: undefined,
});

async function failure(promise: Promise<unknown>): Promise<StepAttemptsExhausted> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StepAttemptsExhausted);
  return error as StepAttemptsExhausted;
}

describe("retry", () => {
  it("makes 4 attempts by default, with jittered delays of 1 s, 2 s, 4 s, and reports every failure", async () => {
    const clock = new ManualClock(0, true);
    const env = makeEnv({ clock, random: scriptedRandom(0, 0.5, 0.9999) });
    let calls = 0;
    const last = new Error("boom 4");
    const error = await failure(
      runWithPolicies(() => {
        calls++;
        throw calls === 4 ? last : new Error(`boom ${calls}`);
      }, resolveStepPolicy(undefined, undefined), env),
    );
    expect(calls).toBe(4);
    expect(error.attempts).toBe(4);
    expect(error.error).toBe(last);
    // Equal jitter: between half and all of 1000, 2000, 4000.
    expect(clock.sleeps).toEqual([500, 1500, 4000]);
    expect(env.failures.map((f) => [f.attempt, f.delayMs, (f.error as Error).message])).toEqual([
      [1, 500, "boom 1"],
      [2, 1500, "boom 2"],
      [3, 4000, "boom 3"],
      [4, null, "boom 4"],
    ]);
  });

  it("keeps every jittered delay between half and all of the backoff, and never above maxDelayMs", () => {
    const retry = { ...DEFAULT_RETRY, minDelayMs: 1000, factor: 3, maxDelayMs: 5000 };
    for (const r of [0, 0.25, 0.5, 0.75, 0.99999]) {
      for (let n = 1; n <= 12; n++) {
        const base = Math.min(5000, 1000 * 3 ** (n - 1));
        const delay = backoffDelayMs(retry, n, () => r);
        expect(delay).toBeGreaterThanOrEqual(base / 2);
        expect(delay).toBeLessThanOrEqual(base);
        expect(delay).toBeLessThanOrEqual(5000);
      }
    }
    expect([1, 2, 3, 4].map((n) => backoffDelayMs({ ...retry, jitter: false }, n, () => 0.5))).toEqual([1000, 3000, 5000, 5000]);
  });

  it("caps the delays of a long retry loop at maxDelayMs", async () => {
    const clock = new ManualClock(0, true);
    const env = makeEnv({ clock, random: () => 0.99999 });
    await failure(
      runWithPolicies(() => Promise.reject(new Error("down")), policy({ retries: 8, maxDelayMs: 10_000 }), env),
    );
    expect(clock.sleeps).toHaveLength(8);
    expect(Math.max(...clock.sleeps)).toBe(10_000);
  });

  it("does not retry a TerminalError or an unserializable result", async () => {
    for (const thrown of [new TerminalError("declined"), new StepResultNotSerializableError("s", "result.f", "a function")]) {
      const clock = new ManualClock(0, true);
      const env = makeEnv({ clock });
      let calls = 0;
      const error = await failure(
        runWithPolicies(() => {
          calls++;
          throw thrown;
        }, policy(), env),
      );
      expect(calls).toBe(1);
      expect(error.attempts).toBe(1);
      expect(error.error).toBe(thrown);
      expect(env.failures).toEqual([{ attempt: 1, error: thrown, delayMs: null }]);
      expect(clock.sleeps).toEqual([]);
    }
  });

  it("waits at least RetryableError.retryAfterMs, and the backoff when that is longer", async () => {
    const clock = new ManualClock(0, true);
    const env = makeEnv({ clock, random: () => 0 });
    const thrown = [new RetryableError("429", { retryAfterMs: 7000 }), new RetryableError("429", { retryAfterMs: 10 })];
    let calls = 0;
    const result = await runWithPolicies(() => {
      const error = thrown[calls++];
      if (error) throw error;
      return "ok";
    }, policy(), env);
    expect(result).toEqual({ value: "ok", attempts: 3 });
    expect(clock.sleeps).toEqual([7000, 1000]);
  });

  it("fails at once on a plain TypeError (a bug) but retries a fetch network error", async () => {
    const clock = new ManualClock(0, true);
    const bug = new TypeError("x.map is not a function");
    let calls = 0;
    const error = await failure(
      runWithPolicies(() => {
        calls++;
        throw bug;
      }, policy(), makeEnv({ clock })),
    );
    expect([calls, error.error]).toEqual([1, bug]);

    calls = 0;
    const result = await runWithPolicies(() => {
      if (++calls < 3) throw new TypeError("fetch failed", { cause: new Error("ECONNREFUSED") });
      return calls;
    }, policy(), makeEnv({ clock }));
    expect(result).toEqual({ value: 3, attempts: 3 });
  });

  it("retries every TypeError with retryTypeErrors: true", async () => {
    let calls = 0;
    const error = await failure(
      runWithPolicies(() => {
        calls++;
        throw new TypeError("x.map is not a function");
      }, policy({ retryTypeErrors: true, retries: 2 }), makeEnv({ clock: new ManualClock(0, true) })),
    );
    expect(calls).toBe(3);
    expect(error.error).toBeInstanceOf(TypeError);
  });

  it("retries a thrown non-Error and keeps it unchanged", async () => {
    const env = makeEnv({ clock: new ManualClock(0, true) });
    const error = await failure(runWithPolicies(() => Promise.reject("just a string"), policy({ retries: 1 }), env));
    expect(error.attempts).toBe(2);
    expect(error.error).toBe("just a string");
    expect(env.failures.map((f) => f.error)).toEqual(["just a string", "just a string"]);
  });

  it("awaits onAttemptFailed before the delay starts", async () => {
    const clock = new ManualClock(0, true);
    const events: string[] = [];
    const env = makeEnv({
      clock: { now: () => clock.now(), sleep: (ms, s) => (events.push(`sleep ${ms}`), clock.sleep(ms, s)) },
      random: () => 0,
      onAttemptFailed: async (f) => {
        events.push(`journal ${f.attempt}`);
        await new Promise((resolve) => setImmediate(resolve));
        events.push(`journaled ${f.attempt}`);
      },
    });
    await failure(runWithPolicies(() => Promise.reject(new Error("x")), policy({ retries: 1 }), env));
    expect(events).toEqual(["journal 1", "journaled 1", "sleep 500", "journal 2", "journaled 2"]);
  });

  it("throws an error of onAttemptFailed as it is and stops", async () => {
    const journalDown = new Error("disk full");
    let calls = 0;
    const env = makeEnv({
      clock: new ManualClock(0, true),
      onAttemptFailed: () => {
        throw journalDown;
      },
    });
    const outcome = runWithPolicies(() => {
      calls++;
      throw new Error("x");
    }, policy(), env);
    await expect(outcome).rejects.toBe(journalDown);
    expect(calls).toBe(1);
  });

  it("stops retrying at once when the run is cancelled during a delay", async () => {
    const clock = new ManualClock(0);
    const run = new AbortController();
    const env = makeEnv({ clock, signal: run.signal });
    let calls = 0;
    const outcome = runWithPolicies(() => {
      calls++;
      throw new Error("down");
    }, policy(), env);
    await until(() => clock.pendingSleeps === 1, "the first delay");
    const reason = new RunCancelledError("operator");
    run.abort(reason);
    await expect(outcome).rejects.toBe(reason);
    await clock.advance(60_000);
    expect(calls).toBe(1);
    expect(env.failures.map((f) => f.attempt)).toEqual([1]);
  });

  it("makes no further attempt when the run is cancelled while a clock ignoring signals sleeps", async () => {
    const run = new AbortController();
    const reason = new RunCancelledError("deploy");
    const clock = { now: () => 0, sleep: async () => run.abort(reason) };
    let calls = 0;
    const outcome = runWithPolicies(() => {
      calls++;
      throw new Error("down");
    }, policy(), makeEnv({ clock, signal: run.signal }));
    await expect(outcome).rejects.toBe(reason);
    expect(calls).toBe(1);
  });

  it("wraps a non-steplog abort reason in RunCancelledError, and never calls fn when cancelled before", async () => {
    const run = new AbortController();
    run.abort("SIGTERM");
    let calls = 0;
    const env = makeEnv({ clock: new ManualClock(0, true), signal: run.signal });
    const error = await runWithPolicies(() => calls++, policy(), env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunCancelledError);
    expect((error as RunCancelledError).reason).toBe("SIGTERM");
    expect(calls).toBe(0);
    expect(env.failures).toEqual([]);
  });

  it("does not retry a RunCancelledError thrown by the step, and throws it as it is", async () => {
    const cancelled = new RunCancelledError("inner");
    const env = makeEnv({ clock: new ManualClock(0, true) });
    let calls = 0;
    await expect(
      runWithPolicies(() => {
        calls++;
        throw cancelled;
      }, policy(), env),
    ).rejects.toBe(cancelled);
    expect(calls).toBe(1);
    expect(env.failures).toEqual([]);
  });

  it("makes a single attempt with retry: false", async () => {
    const env = makeEnv({ clock: new ManualClock(0, true) });
    const error = await failure(runWithPolicies(() => Promise.reject(new Error("x")), resolveStepPolicy({ retry: false }, undefined), env));
    expect(error.attempts).toBe(1);
    expect(env.failures.map((f) => f.delayMs)).toEqual([null]);
  });
});
