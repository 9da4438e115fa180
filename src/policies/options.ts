/**
 * The user-facing options of the step policies (retry, timeout, breaker), their defaults, and the one function
 * that validates them and resolves a step's options over the workflow's defaults.
 */
import { UsageError } from "../errors.js";
import type { BreakerPolicy } from "./breaker.js";
import type { StepPolicy } from "./compose.js";
import type { RetryPolicy } from "./retry.js";

/**
 * How a failed step attempt is retried: exponential backoff with "equal jitter" (each delay is drawn between
 * half and all of the exponential delay).
 *
 * @example
 * ```ts
 * await ctx.step("fetch", () => fetchReport(), { retry: { retries: 5, minDelayMs: 500, maxDelayMs: 10_000 } });
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt (so `3` means at most 4 attempts). @default 3 */
  retries?: number;
  /** The delay before the first retry, in ms (before jitter). @default 1000 */
  minDelayMs?: number;
  /** Each retry waits `factor` times longer than the one before. @default 2 */
  factor?: number;
  /**
   * The longest delay computed by backoff, in ms. A `RetryableError.retryAfterMs` or an open breaker's
   * half-open time can ask for a longer wait, and is honoured.
   * @default 30_000
   */
  maxDelayMs?: number;
  /** Draw each delay at random between half and all of the backoff delay, so that callers spread out. @default true */
  jitter?: boolean;
  /**
   * Whether a plain `TypeError` is retried. A `TypeError` is usually a bug (`undefined is not a function`) that
   * fails the same way every time, so by default it fails the step at once. The exception is a network error
   * from `fetch` (`TypeError: fetch failed`, `terminated`, `Failed to fetch`, ...; recognised by p-retry), which
   * is retried. `true` retries every `TypeError` like any other error.
   * @default false
   */
  retryTypeErrors?: boolean;
}

/**
 * A named circuit breaker (opossum). It opens when, within the rolling window, at least `volumeThreshold` calls
 * were made and more than `errorThresholdPercentage` of them failed. While open, attempts fail at once with
 * `CircuitOpenError`; after `resetAfterMs` one trial call is let through (half-open), which closes the circuit
 * on success and opens it again on failure. A `TerminalError` does not count as a failure (the service
 * answered). The first options seen for a name in a process win.
 *
 * @example
 * ```ts
 * await ctx.step("charge", charge, { breaker: { name: "payments", volumeThreshold: 10, resetAfterMs: 60_000 } });
 * ```
 */
export interface BreakerOptions {
  /** The breaker's name: every step naming it shares it, and its state is persisted under this name. */
  name: string;
  /** How long the circuit stays open before a trial call is let through, in ms. @default 30_000 */
  resetAfterMs?: number;
  /** Calls needed within the rolling window before the circuit may open. @default 5 */
  volumeThreshold?: number;
  /** The circuit opens when more than this percentage of the calls in the window failed. @default 50 */
  errorThresholdPercentage?: number;
  /** The length of the rolling window of call statistics, in ms (measured by real time). @default 60_000 */
  rollingWindowMs?: number;
}

/**
 * The policy options accepted by a step and, as defaults, by a workflow.
 *
 * @example
 * ```ts
 * const options: StepPolicyOptions = { retry: 5, timeoutMs: 10_000, breaker: "payments" };
 * ```
 */
export interface StepPolicyOptions {
  /** Retry options; a number is the retry count; `false` makes a single attempt. Fields merge over the defaults. */
  retry?: RetryOptions | number | false;
  /** Per-attempt timeout in ms. @default none */
  timeoutMs?: number;
  /** A breaker name (with default options), or its options; `false` opts out of the workflow's breaker. @default none */
  breaker?: string | BreakerOptions | false;
}

/**
 * The longest delay a Node.js timer supports, in ms; longer ones fire at once.
 *
 * @example
 * ```ts
 * const delayMs = Math.min(requestedMs, MAX_TIMER_MS);
 * ```
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * The built-in retry policy: 3 retries, 1 s first delay, factor 2, at most 30 s, jittered.
 *
 * @example
 * ```ts
 * const attempts = DEFAULT_RETRY.retries + 1; // 4
 * ```
 */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  retries: 3,
  minDelayMs: 1000,
  factor: 2,
  maxDelayMs: 30_000,
  jitter: true,
  retryTypeErrors: false,
});

/**
 * The built-in breaker settings, used for every field a `BreakerOptions` leaves out.
 *
 * @example
 * ```ts
 * const { resetAfterMs } = DEFAULT_BREAKER; // 30_000
 * ```
 */
export const DEFAULT_BREAKER: Readonly<Omit<BreakerPolicy, "name">> = Object.freeze({
  resetAfterMs: 30_000,
  volumeThreshold: 5,
  errorThresholdPercentage: 50,
  rollingWindowMs: 60_000,
});

/**
 * Resolves a step's policy: the step's options over the workflow's defaults over the built-in defaults, checked
 * early. Retry fields merge one by one; `timeoutMs` and `breaker` are taken whole.
 *
 * @throws UsageError naming the bad option, such as ``Expected `retries` to be a non-negative integer, got -1``.
 * @example
 * ```ts
 * const policy = resolveStepPolicy({ retry: 5 }, { retry: { minDelayMs: 200 }, timeoutMs: 30_000 });
 * // policy.retry.retries === 5, policy.retry.minDelayMs === 200, policy.timeoutMs === 30_000
 * ```
 */
export function resolveStepPolicy(
  step: StepPolicyOptions | undefined,
  defaults: StepPolicyOptions | undefined,
): StepPolicy {
  const retry = resolveRetry(step?.retry, defaults?.retry);
  const timeoutMs = step?.timeoutMs ?? defaults?.timeoutMs;
  if (timeoutMs !== undefined) checkNumber("timeoutMs", timeoutMs, 1, MAX_TIMER_MS);
  const breakerOption = step?.breaker ?? defaults?.breaker;
  const breaker = breakerOption === undefined || breakerOption === false ? undefined : resolveBreaker(breakerOption);
  return { retry, timeoutMs, breaker };
}

function resolveRetry(step: StepPolicyOptions["retry"], defaults: StepPolicyOptions["retry"]): RetryPolicy {
  if (step === undefined && defaults === undefined) return DEFAULT_RETRY;
  const policy: RetryPolicy = { ...DEFAULT_RETRY };
  for (const layer of [defaults, step]) {
    const options: RetryOptions | undefined = layer === false ? { retries: 0 } : typeof layer === "number" ? { retries: layer } : layer;
    if (options === undefined) continue;
    if (typeof options !== "object" || options === null) {
      throw new UsageError(`Expected \`retry\` to be an object, a number or false, got ${String(options)}`);
    }
    for (const key of Object.keys(DEFAULT_RETRY) as (keyof RetryPolicy)[]) {
      const value = options[key];
      if (value !== undefined) (policy as unknown as Record<string, unknown>)[key] = value;
    }
  }
  checkInteger("retries", policy.retries);
  checkNumber("minDelayMs", policy.minDelayMs, 0, MAX_TIMER_MS);
  checkNumber("factor", policy.factor, 1, Number.MAX_VALUE);
  checkNumber("maxDelayMs", policy.maxDelayMs, 0, MAX_TIMER_MS);
  checkBoolean("jitter", policy.jitter);
  checkBoolean("retryTypeErrors", policy.retryTypeErrors);
  return policy;
}

const BREAKER_KEYS: ReadonlySet<string> = new Set(["name", "resetAfterMs", "volumeThreshold", "errorThresholdPercentage", "rollingWindowMs"]);

function resolveBreaker(option: string | BreakerOptions): BreakerPolicy {
  const options: BreakerOptions = typeof option === "string" ? { name: option } : option;
  if (typeof options !== "object" || options === null) {
    throw new UsageError(`Expected \`breaker\` to be a name or an object, got ${String(options)}`);
  }
  if (typeof options.name !== "string" || options.name.trim() === "") {
    throw new UsageError(`Expected \`breaker.name\` to be a non-empty string, got ${describe(options.name)}`);
  }
  for (const key of Object.keys(options)) {
    if (!BREAKER_KEYS.has(key)) {
      throw new UsageError(`Unknown breaker option \`${key}\`; the options are ${[...BREAKER_KEYS].join(", ")}`);
    }
  }
  const policy: BreakerPolicy = {
    name: options.name,
    resetAfterMs: options.resetAfterMs ?? DEFAULT_BREAKER.resetAfterMs,
    volumeThreshold: options.volumeThreshold ?? DEFAULT_BREAKER.volumeThreshold,
    errorThresholdPercentage: options.errorThresholdPercentage ?? DEFAULT_BREAKER.errorThresholdPercentage,
    rollingWindowMs: options.rollingWindowMs ?? DEFAULT_BREAKER.rollingWindowMs,
  };
  checkNumber("resetAfterMs", policy.resetAfterMs, 1, MAX_TIMER_MS);
  checkInteger("volumeThreshold", policy.volumeThreshold);
  checkNumber("errorThresholdPercentage", policy.errorThresholdPercentage, 0, 100);
  checkNumber("rollingWindowMs", policy.rollingWindowMs, 10, MAX_TIMER_MS);
  return policy;
}

function checkInteger(name: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`Expected \`${name}\` to be a non-negative integer, got ${describe(value)}`);
  }
}

function checkNumber(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== "number" || !(value >= min && value <= max)) {
    const range = max === Number.MAX_VALUE ? `≥ ${min}` : `between ${min} and ${max}`;
    throw new UsageError(`Expected \`${name}\` to be a number ${range}, got ${describe(value)}`);
  }
}

function checkBoolean(name: string, value: unknown): void {
  if (typeof value !== "boolean") throw new UsageError(`Expected \`${name}\` to be a boolean, got ${describe(value)}`);
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
