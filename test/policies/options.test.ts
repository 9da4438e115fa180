import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { DEFAULT_BREAKER, DEFAULT_RETRY, resolveStepPolicy, type StepPolicyOptions } from "../../src/policies/options.js";

describe("resolveStepPolicy", () => {
  it("gives 3 retries from 1 s doubling to at most 30 s with jitter, no timeout and no breaker by default", () => {
    expect(resolveStepPolicy(undefined, undefined)).toEqual({
      retry: { retries: 3, minDelayMs: 1000, factor: 2, maxDelayMs: 30_000, jitter: true, retryTypeErrors: false },
      timeoutMs: undefined,
      breaker: undefined,
    });
  });

  it("lets the step override the workflow's defaults, merging retry fields", () => {
    const defaults: StepPolicyOptions = { retry: { minDelayMs: 200, retries: 9 }, timeoutMs: 30_000, breaker: "api" };
    const policy = resolveStepPolicy({ retry: 5, breaker: { name: "payments", resetAfterMs: 5_000 } }, defaults);
    expect(policy.retry).toEqual({ ...DEFAULT_RETRY, retries: 5, minDelayMs: 200 });
    expect(policy.timeoutMs).toBe(30_000);
    expect(policy.breaker).toEqual({ ...DEFAULT_BREAKER, name: "payments", resetAfterMs: 5_000 });
    expect(resolveStepPolicy({ timeoutMs: 10 }, defaults).timeoutMs).toBe(10);
    expect(resolveStepPolicy({}, defaults).breaker?.name).toBe("api");
  });

  it("makes one attempt with retry: false, and opts out of the workflow's breaker with breaker: false", () => {
    expect(resolveStepPolicy({ retry: false }, { retry: 7 }).retry.retries).toBe(0);
    expect(resolveStepPolicy({ breaker: false }, { breaker: "api" }).breaker).toBeUndefined();
    expect(resolveStepPolicy({ retry: 2 }, { retry: false }).retry.retries).toBe(2);
  });

  it.each<[StepPolicyOptions, string]>([
    [{ retry: -1 }, "Expected `retries` to be a non-negative integer, got -1"],
    [{ retry: { retries: 1.5 } }, "Expected `retries` to be a non-negative integer, got 1.5"],
    [{ retry: { minDelayMs: -5 } }, "Expected `minDelayMs` to be a number between 0 and 2147483647, got -5"],
    [{ retry: { factor: 0.5 } }, "Expected `factor` to be a number ≥ 1, got 0.5"],
    [{ retry: { maxDelayMs: Number.NaN } }, "Expected `maxDelayMs` to be a number between 0 and 2147483647, got NaN"],
    [{ retry: { jitter: "yes" as unknown as boolean } }, 'Expected `jitter` to be a boolean, got "yes"'],
    [{ retry: { retryTypeErrors: 1 as unknown as boolean } }, "Expected `retryTypeErrors` to be a boolean, got 1"],
    [{ retry: "3" as unknown as number }, "Expected `retry` to be an object, a number or false, got 3"],
    [{ timeoutMs: 0 }, "Expected `timeoutMs` to be a number between 1 and 2147483647, got 0"],
    [{ timeoutMs: 3e9 }, "Expected `timeoutMs` to be a number between 1 and 2147483647, got 3000000000"],
    [{ breaker: "" }, 'Expected `breaker.name` to be a non-empty string, got ""'],
    [{ breaker: { name: "p", volumeThreshold: -1 } }, "Expected `volumeThreshold` to be a non-negative integer, got -1"],
    [{ breaker: { name: "p", resetAfterMs: 0 } }, "Expected `resetAfterMs` to be a number between 1 and 2147483647, got 0"],
    [
      { breaker: { name: "p", errorThresholdPercentage: 150 } },
      "Expected `errorThresholdPercentage` to be a number between 0 and 100, got 150",
    ],
    [{ breaker: { name: "p", rollingWindowMs: 5 } }, "Expected `rollingWindowMs` to be a number between 10 and 2147483647, got 5"],
  ])("rejects %j with a UsageError naming the option", (step, message) => {
    let error: unknown;
    try {
      resolveStepPolicy(step, undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(message);
  });

  it("validates the workflow's defaults too", () => {
    expect(() => resolveStepPolicy(undefined, { retry: -2 })).toThrow("Expected `retries` to be a non-negative integer, got -2");
  });
});
