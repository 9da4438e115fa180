/**
 * The retry policy: p-retry runs the attempts after a first failure; steplog decides which errors are retried and
 * computes each delay itself, so that the injected clock and random source drive it (p-retry is given zero delays).
 */
import { createRequire } from "../builtins.js";
import type { Clock, RandomSource } from "../clock.js";
import {
  CircuitOpenError,
  RetryableError,
  RunCancelledError,
  SteplogError,
  StepResultNotSerializableError,
  TerminalError,
  messageOf,
} from "../errors.js";
import type { AttemptFailure } from "./compose.js";
import { MAX_TIMER_MS, type RetryOptions } from "./options.js";

type PRetry = typeof import("p-retry").default;
let pRetryLoaded: PRetry | undefined;
let pRetryLoading: Promise<PRetry> | undefined;

/**
 * p-retry is loaded after a first failure: a step that succeeds at once never needs it. Where Node can `require`
 * an ES module (20.19+, 22.12+) that happens synchronously; elsewhere it is imported.
 */
function loadPRetrySync(): PRetry | undefined {
  if (pRetryLoaded === undefined && process.features.require_module === true) {
    pRetryLoaded = (createRequire(import.meta.url)("p-retry") as typeof import("p-retry")).default;
  }
  return pRetryLoaded;
}

const loadPRetry = (): Promise<PRetry> => (pRetryLoading ??= import("p-retry").then((m) => (pRetryLoaded = m.default)));

/**
 * A resolved retry policy: every field of {@link RetryOptions} set.
 *
 * @example
 * ```ts
 * const policy: RetryPolicy = { retries: 3, minDelayMs: 1000, factor: 2, maxDelayMs: 30_000, jitter: true, retryTypeErrors: false };
 * ```
 */
export type RetryPolicy = Required<RetryOptions>;

/**
 * What the retry loop needs from its caller (a subset of `PolicyEnv`).
 *
 * @example
 * ```ts
 * const env: RetryEnv = { clock: systemClock, random: Math.random, signal, onAttemptFailed: (f) => console.log(f) };
 * ```
 */
export interface RetryEnv {
  clock: Clock;
  random: RandomSource;
  /** Aborting it stops retrying at once (an ongoing delay ends and no attempt follows). */
  signal: AbortSignal;
  /** Called once per failed attempt, with the delay before the next one (`null`: none follows); awaited. */
  onAttemptFailed(failure: AttemptFailure): void | Promise<void>;
}

/**
 * The step failed for good: its retries are exhausted, or it threw an error that is not retried
 * (`TerminalError`, `StepResultNotSerializableError`, a `TypeError` that is not a network error).
 *
 * @example
 * ```ts
 * try { await runWithPolicies(fn, policy, env) } catch (e) {
 *   if (e instanceof StepAttemptsExhausted) deadLetter(e.error, e.attempts);
 * }
 * ```
 */
export class StepAttemptsExhausted extends Error {
  constructor(
    /** How many attempts were made. */
    readonly attempts: number,
    /** The last attempt's error. */
    readonly error: unknown,
  ) {
    super(`failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${messageOf(error)}`, { cause: error });
    this.name = "StepAttemptsExhausted";
  }
}

/**
 * The backoff delay before retry number `retry` (1 for the first retry), in ms: `minDelayMs * factor^(retry-1)`
 * capped at `maxDelayMs`, then with jitter drawn uniformly between half and all of it.
 *
 * @example
 * ```ts
 * backoffDelayMs({ ...DEFAULT_RETRY, jitter: false }, 3, Math.random); // 4000
 * ```
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: RandomSource): number {
  const base = Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (retry - 1));
  return Math.round(policy.jitter ? base / 2 + (random() * base) / 2 : base);
}

/**
 * Runs `attempt` until it succeeds or fails for good, per `policy`. Each failed attempt is reported through
 * `env.onAttemptFailed` before its delay. Throws {@link StepAttemptsExhausted} when the step failed for good;
 * throws the run's cancellation (a `RunCancelledError`) when `env.signal` aborts or the attempt throws one;
 * an error thrown by `onAttemptFailed` itself is thrown as it is.
 *
 * @example
 * ```ts
 * const { value, attempts } = await retry((n) => callApi(n), DEFAULT_RETRY, { clock, random, signal, onAttemptFailed });
 * ```
 */
export function retry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  env: RetryEnv,
): Promise<{ value: T; attempts: number }> {
  if (env.signal.aborted) return Promise.reject(cancellation(env.signal));
  // The first attempt runs without p-retry, whose setup costs microseconds a succeeding step should not pay,
  // and without an async frame of its own (one promise reaction, not an await and a resolution).
  let first: Promise<T>;
  try {
    first = attempt(1);
  } catch (error) {
    first = Promise.reject(error);
  }
  return first.then(
    (value) => ({ value, attempts: 1 }),
    (error: unknown) => retryAfterFirstFailure(attempt, error, policy, env),
  );
}

async function retryAfterFirstFailure<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  firstError: unknown,
  policy: RetryPolicy,
  env: RetryEnv,
): Promise<{ value: T; attempts: number }> {
  let attempts = 0;
  let lastError: unknown;
  let reported = false;
  let hookFailed = false;
  const pRetry = loadPRetrySync() ?? (await loadPRetry());
  try {
    const value = await pRetry(
      async (attemptNumber) => {
        attempts = attemptNumber;
        reported = false;
        try {
          // p-retry's attempt 1 replays the failure of the first attempt, made before p-retry was needed.
          if (attemptNumber === 1) throw firstError;
          if (env.signal.aborted) throw cancellation(env.signal);
          return await attempt(attemptNumber);
        } catch (error) {
          lastError = error;
          // A bare TypeError is left to p-retry, which rethrows it at once unless it is a network error.
          throw error instanceof TypeError && !policy.retryTypeErrors ? error : new AttemptError(error);
        }
      },
      {
        retries: policy.retries,
        minTimeout: 0,
        randomize: false,
        shouldRetry: async ({ attemptNumber }) => {
          if (env.signal.aborted || !isRetried(lastError) || opensTooLate(lastError, policy, env)) return false;
          const delayMs = delayBefore(attemptNumber, lastError, policy, env);
          try {
            await env.onAttemptFailed({ attempt: attemptNumber, error: lastError, delayMs });
          } catch (error) {
            hookFailed = true;
            throw error;
          }
          reported = true;
          if (delayMs > 0) await env.clock.sleep(delayMs, env.signal);
          return true;
        },
      },
    );
    return { value, attempts };
  } catch (rejection) {
    if (hookFailed) throw rejection;
    if (env.signal.aborted) throw cancellation(env.signal);
    if (lastError instanceof RunCancelledError) throw lastError;
    if (!reported) await env.onAttemptFailed({ attempt: attempts, error: lastError, delayMs: null });
    throw new StepAttemptsExhausted(attempts, lastError);
  }
}

/** Carries any thrown value through p-retry untouched (p-retry would turn a non-Error into a TypeError). */
class AttemptError extends Error {
  constructor(readonly error: unknown) {
    super("attempt failed");
  }
}

function isRetried(error: unknown): boolean {
  return !(
    error instanceof TerminalError ||
    error instanceof StepResultNotSerializableError ||
    error instanceof RunCancelledError
  );
}

/**
 * A circuit that stays open longer than the retry's largest delay ends the step now (dead-lettered) instead of
 * keeping a script waiting for minutes; the next run starts with the circuit still open and fails fast too.
 */
function opensTooLate(error: unknown, policy: RetryPolicy, env: RetryEnv): boolean {
  return error instanceof CircuitOpenError && error.openUntil !== undefined && error.openUntil.getTime() - env.clock.now() > policy.maxDelayMs;
}

function delayBefore(attemptNumber: number, error: unknown, policy: RetryPolicy, env: RetryEnv): number {
  let delayMs = backoffDelayMs(policy, attemptNumber, env.random);
  if (error instanceof RetryableError && Number.isFinite(error.retryAfterMs)) delayMs = Math.max(delayMs, error.retryAfterMs as number);
  if (error instanceof CircuitOpenError && error.openUntil) {
    delayMs = Math.max(delayMs, error.openUntil.getTime() - env.clock.now());
  }
  return Math.min(Math.ceil(delayMs), MAX_TIMER_MS);
}

function cancellation(signal: AbortSignal): SteplogError {
  const reason: unknown = signal.reason;
  return reason instanceof SteplogError ? reason : new RunCancelledError(reason === undefined ? undefined : messageOf(reason));
}
