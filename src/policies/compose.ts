/**
 * The step policies composed around each attempt, in this order:
 *
 *     retry( breaker( timeout( fn ) ) )
 *
 * - timeout is innermost, so a timed-out attempt counts as a failure of the breaker (a service that hangs is
 *   as broken as one that errors), and each attempt gets its own time budget;
 * - breaker sits inside retry, so an open circuit fails one attempt fast (CircuitOpenError, fn not called) and
 *   the retry then waits at least until the circuit may half-open before the next attempt;
 * - retry is outermost: it decides whether another attempt follows and how long to wait before it.
 *
 * Each policy lives in its own file and knows nothing of the others; only this file knows the order.
 */
import type { Clock, RandomSource } from "../clock.js";
import type { BreakerPolicy, BreakerRegistry, BreakerTransition } from "./breaker.js";
import { retry, type RetryPolicy } from "./retry.js";
import { runWithTimeout } from "./timeout.js";

export { StepAttemptsExhausted } from "./retry.js";

/**
 * What one attempt of a step receives.
 *
 * @example
 * ```ts
 * const fn = ({ attempt, signal }: AttemptContext) => fetch(`${url}?try=${attempt}`, { signal });
 * ```
 */
export interface AttemptContext {
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the attempt times out or the run is cancelled. */
  signal: AbortSignal;
}

/**
 * A failed attempt, as reported to {@link PolicyEnv.onAttemptFailed}.
 *
 * @example
 * ```ts
 * const onAttemptFailed = (f: AttemptFailure) => console.log(`attempt ${f.attempt} failed, next in ${f.delayMs ?? "never"} ms`);
 * ```
 */
export interface AttemptFailure {
  attempt: number;
  error: unknown;
  /** The delay before the next attempt, in ms; `null` when no attempt follows. */
  delayMs: number | null;
}

/**
 * What the policies need from the step executor.
 *
 * @example
 * ```ts
 * const env: PolicyEnv = { stepKey: "charge", clock: systemClock, random: Math.random, signal: run.signal,
 *   breakers, onAttemptFailed: (f) => journal.attemptFailed("charge", f) };
 * ```
 */
export interface PolicyEnv {
  stepKey: string;
  clock: Clock;
  random: RandomSource;
  /** Run-level cancellation: aborts in-flight attempt signals and stops retrying. */
  signal: AbortSignal;
  breakers: BreakerRegistry;
  /**
   * Called for every failed attempt (journal + events), awaited before the delay. Not called when the attempt
   * ended because the run was cancelled. If it throws, the step stops and that error is thrown as it is.
   */
  onAttemptFailed(failure: AttemptFailure): void | Promise<void>;
  /** Called when a breaker this step uses changes state. */
  onBreakerTransition?(name: string, state: BreakerTransition): void;
}

/**
 * A step's resolved policies (see `resolveStepPolicy`).
 *
 * @example
 * ```ts
 * const policy: StepPolicy = { retry: DEFAULT_RETRY, timeoutMs: 10_000, breaker: undefined };
 * ```
 */
export interface StepPolicy {
  retry: RetryPolicy;
  /** Per-attempt timeout in ms; `undefined`: none. */
  timeoutMs: number | undefined;
  breaker: BreakerPolicy | undefined;
}

/**
 * Runs `fn` under `policy`: retry( breaker( timeout( fn ) ) ). Resolves with the value and the number of
 * attempts made. Rejects with `StepAttemptsExhausted` when the step failed for good (its `error` is the last
 * error), with a `RunCancelledError` (or the SteplogError the run's signal was aborted with) on cancellation,
 * or with the error `env.onAttemptFailed` threw.
 *
 * @example
 * ```ts
 * const policy = resolveStepPolicy({ retry: 5, timeoutMs: 10_000, breaker: "payments" }, workflowDefaults);
 * const { value, attempts } = await runWithPolicies(({ signal }) => charge(order, { signal }), policy, env);
 * ```
 */
export function runWithPolicies<T>(
  fn: (ctx: AttemptContext) => T | Promise<T>,
  policy: StepPolicy,
  env: PolicyEnv,
): Promise<{ value: T; attempts: number }> {
  const { timeoutMs, breaker } = policy;
  const timed = (attempt: number): Promise<T> => runWithTimeout(fn, attempt, timeoutMs, env);
  const attempt =
    breaker === undefined
      ? timed
      : async (n: number): Promise<T> =>
          (await env.breakers.get(breaker)).call(() => timed(n), env.onBreakerTransition?.bind(env));
  return retry(attempt, policy.retry, env);
}
