import { describe, expect, it } from "vitest";
import { CircuitOpenError, StepTimeoutError, TerminalError } from "../../src/errors.js";
import { BreakerRegistry } from "../../src/policies/breaker.js";
import { runWithPolicies, StepAttemptsExhausted, type PolicyEnv, type StepPolicy } from "../../src/policies/compose.js";
import { DEFAULT_RETRY, resolveStepPolicy } from "../../src/policies/options.js";
import { makeEnv, ManualClock, MemoryBreakerStore, settle, until } from "./fakes.js";

const START = Date.UTC(2025, 0, 1);
const policy = (retries = 0, timeoutMs?: number): StepPolicy => ({
  ...resolveStepPolicy(
    { retry: { retries, jitter: false }, breaker: { name: "payments", volumeThreshold: 3, resetAfterMs: 30_000 } },
    undefined,
  ),
  timeoutMs,
});

/** A dependency that fails until `healthy` is set, counting the calls it receives. */
function service() {
  const s = {
    calls: 0,
    healthy: false,
    call: async () => {
      s.calls++;
      if (!s.healthy) throw new Error("503");
      return "paid";
    },
  };
  return s;
}

async function lastError(env: PolicyEnv, fn: () => Promise<unknown>, p = policy()): Promise<unknown> {
  const error = await runWithPolicies(fn, p, env).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StepAttemptsExhausted);
  return (error as StepAttemptsExhausted).error;
}

function setup(store = new MemoryBreakerStore(), clock = new ManualClock(START)) {
  const env = makeEnv({ clock, breakers: new BreakerRegistry(store, clock) });
  return { store, clock, env };
}

describe("breaker", () => {
  it("opens after volumeThreshold failed calls and then fails fast with CircuitOpenError without calling", async () => {
    const { store, clock, env } = setup();
    const payments = service();
    await lastError(env, payments.call);
    await lastError(env, payments.call);
    expect(env.transitions).toEqual([]);
    expect(store.saves).toEqual([]);

    await lastError(env, payments.call);
    expect(env.transitions).toEqual(["payments:open"]);
    expect(store.states.get("payments")).toMatchObject({ state: "open", openUntil: START + 30_000, failures: 3 });

    await clock.advance(29_999);
    const error = await lastError(env, payments.call);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).openUntil?.getTime()).toBe(START + 30_000);
    expect(payments.calls).toBe(3);
  });

  it("half-opens when the injected clock reaches resetAfterMs, and closes on a successful trial", async () => {
    const { store, clock, env } = setup();
    const payments = service();
    for (let i = 0; i < 3; i++) await lastError(env, payments.call);
    await clock.advance(30_000);
    payments.healthy = true;
    await expect(runWithPolicies(payments.call, policy(), env)).resolves.toEqual({ value: "paid", attempts: 1 });
    expect(payments.calls).toBe(4);
    expect(env.transitions).toEqual(["payments:open", "payments:half-open", "payments:close"]);
    expect(store.saves.map((s) => s.state.state)).toEqual(["open", "half-open", "closed"]);
    expect(store.states.get("payments")).toMatchObject({ state: "closed", openUntil: null, failures: 0 });
  });

  it("opens again for resetAfterMs when the half-open trial fails", async () => {
    const { store, clock, env } = setup();
    const payments = service();
    for (let i = 0; i < 3; i++) await lastError(env, payments.call);
    await clock.advance(45_000);
    await lastError(env, payments.call);
    expect(payments.calls).toBe(4);
    expect(env.transitions).toEqual(["payments:open", "payments:half-open", "payments:open"]);
    expect(store.states.get("payments")).toMatchObject({ state: "open", openUntil: START + 75_000 });
    expect(await lastError(env, payments.call)).toBeInstanceOf(CircuitOpenError);
    expect(payments.calls).toBe(4);
  });

  it("lets one trial through while half-open; calls made meanwhile fail fast", async () => {
    const { clock, env } = setup();
    const payments = service();
    for (let i = 0; i < 3; i++) await lastError(env, payments.call);
    await clock.advance(30_000);
    let release: () => void = () => {};
    const trial = runWithPolicies(() => new Promise<string>((resolve) => (release = () => resolve("ok"))), policy(), env);
    await until(() => env.transitions.includes("payments:half-open"), "the half-open trial");
    const concurrent = await lastError(env, payments.call);
    expect(concurrent).toBeInstanceOf(CircuitOpenError);
    expect((concurrent as CircuitOpenError).openUntil).toBeUndefined();
    release();
    await expect(trial).resolves.toEqual({ value: "ok", attempts: 1 });
    expect(payments.calls).toBe(3);
  });

  it("makes the retry wait until the circuit may half-open, and the next attempt is the trial", async () => {
    const { clock, env } = setup(new MemoryBreakerStore(), new ManualClock(START));
    const payments = service();
    for (let i = 0; i < 3; i++) await lastError(env, payments.call);
    const outcome = runWithPolicies(payments.call, policy(2), env);
    await until(() => clock.pendingSleeps === 1, "the retry delay");
    expect(clock.sleeps).toEqual([30_000]);
    expect(env.failures.at(-1)?.error).toBeInstanceOf(CircuitOpenError);
    payments.healthy = true;
    await clock.advance(30_000);
    await expect(outcome).resolves.toEqual({ value: "paid", attempts: 2 });
    expect(payments.calls).toBe(4);
  });

  it("counts a timed-out attempt as a failure", async () => {
    const { clock, env } = setup();
    const payments = service();
    for (let i = 0; i < 3; i++) {
      const outcome = runWithPolicies(() => new Promise(() => {}), policy(0, 1_000), env).catch((e: unknown) => e);
      await until(() => clock.pendingSleeps === 1, "the timeout timer");
      await clock.advance(1_000);
      expect(((await outcome) as StepAttemptsExhausted).error).toBeInstanceOf(StepTimeoutError);
    }
    expect(env.transitions).toEqual(["payments:open"]);
    expect(await lastError(env, payments.call)).toBeInstanceOf(CircuitOpenError);
    expect(payments.calls).toBe(0);
  });

  it("does not count a TerminalError as a failure (the service answered)", async () => {
    const { env } = setup();
    for (let i = 0; i < 5; i++) {
      expect(await lastError(env, () => Promise.reject(new TerminalError("card declined")))).toBeInstanceOf(TerminalError);
    }
    expect(env.transitions).toEqual([]);
    expect((await env.breakers.get(policy().breaker!)).state.state).toBe("closed");
  });

  it("keeps an open circuit across processes: a new registry on the same store does not call the service", async () => {
    const store = new MemoryBreakerStore();
    const first = setup(store);
    const payments = service();
    for (let i = 0; i < 3; i++) await lastError(first.env, payments.call);
    await first.env.breakers.close();

    const second = setup(store, new ManualClock(START + 10_000));
    const error = await lastError(second.env, payments.call);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).openUntil?.getTime()).toBe(START + 30_000);
    expect(payments.calls).toBe(3);

    await second.clock.advance(20_000);
    payments.healthy = true;
    await expect(runWithPolicies(payments.call, policy(), second.env)).resolves.toMatchObject({ value: "paid" });
    expect(payments.calls).toBe(4);
    expect(second.env.transitions).toEqual(["payments:half-open", "payments:close"]);
    expect(store.states.get("payments")?.state).toBe("closed");
  });

  it("settles a call only once the transition it caused is saved", async () => {
    const { store, env } = setup();
    for (let i = 0; i < 2; i++) await lastError(env, () => Promise.reject(new Error("x")));
    let openGate: () => void = () => {};
    store.gate = new Promise((resolve) => (openGate = resolve));
    let settled = false;
    const third = runWithPolicies(() => Promise.reject(new Error("x")), policy(), env).catch(() => (settled = true));
    await settle();
    expect(settled).toBe(false);
    expect(store.states.get("payments")).toBeUndefined();
    openGate();
    await third;
    expect(store.states.get("payments")?.state).toBe("open");
  });

  it("fails the attempt when the breaker's state cannot be loaded, and loads again on the next use", async () => {
    const store = new MemoryBreakerStore();
    const down = new Error("store unreachable");
    let loads = 0;
    const load = store.load.bind(store);
    store.load = async (name) => (++loads === 1 ? Promise.reject(down) : load(name));
    const { env } = setup(store);
    expect(await lastError(env, async () => "never")).toBe(down);
    await expect(runWithPolicies(async () => "paid", policy(), env)).resolves.toEqual({ value: "paid", attempts: 1 });
    expect(loads).toBe(2);
  });

  it("shares one breaker per name and keeps no timer holding the process", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    const { env } = setup();
    const a = await env.breakers.get(policy().breaker!);
    const b = await env.breakers.get({ ...policy().breaker!, volumeThreshold: 99 });
    expect(a).toBe(b);
    for (let i = 0; i < 3; i++) await lastError(env, () => Promise.reject(new Error("x")));
    expect(a.state.state).toBe("open");
    expect(timers()).toBe(before);
    await env.breakers.close();
  });

  it("uses the built-in retry with a breaker name alone", () => {
    expect(resolveStepPolicy({ breaker: "rates" }, undefined)).toEqual({
      retry: DEFAULT_RETRY,
      timeoutMs: undefined,
      breaker: { name: "rates", resetAfterMs: 30_000, volumeThreshold: 5, errorThresholdPercentage: 50, rollingWindowMs: 60_000 },
    });
  });
});
