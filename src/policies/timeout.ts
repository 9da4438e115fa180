/**
 * The per-attempt timeout: the attempt gets its own AbortSignal, which is aborted when the time is up, and the
 * attempt fails with StepTimeoutError. Without a timeout nothing is allocated: the attempt shares the run's signal.
 */
import type { Clock } from "../clock.js";
import { StepTimeoutError } from "../errors.js";
import type { AttemptContext } from "./compose.js";

/**
 * What the timeout needs from its caller (a subset of `PolicyEnv`).
 *
 * @example
 * ```ts
 * const env: TimeoutEnv = { stepKey: "fetch-report", clock: systemClock, signal: run.signal };
 * ```
 */
export interface TimeoutEnv {
  stepKey: string;
  clock: Clock;
  /** The run's signal; its abort is passed on to the attempt's signal. */
  signal: AbortSignal;
}

/**
 * Runs one attempt of `fn`, failing it with {@link StepTimeoutError} after `timeoutMs` (measured by
 * `env.clock`). When the time is up the attempt's `signal` is aborted (with the StepTimeoutError as reason)
 * and the returned promise rejects at once. JavaScript cannot stop a function: a step that ignores its
 * signal keeps running in the background, and its eventual result or error is dropped. With `timeoutMs`
 * undefined no timer and no AbortController are created, and the attempt's signal is `env.signal`.
 *
 * @example
 * ```ts
 * const body = await runWithTimeout(({ signal }) => fetch(url, { signal }).then((r) => r.text()), 1, 5_000, env);
 * ```
 */
export function runWithTimeout<T>(
  fn: (ctx: AttemptContext) => T | Promise<T>,
  attempt: number,
  timeoutMs: number | undefined,
  env: TimeoutEnv,
): Promise<T> {
  if (timeoutMs === undefined) return call(fn, { attempt, signal: env.signal });

  const controller = new AbortController();
  const timer = new AbortController();
  const passOnCancel = (): void => controller.abort(env.signal.reason);
  if (env.signal.aborted) passOnCancel();
  else env.signal.addEventListener("abort", passOnCancel, { once: true });

  const timedOut = env.clock.sleep(timeoutMs, timer.signal).then(
    () => {
      const error = new StepTimeoutError(env.stepKey, timeoutMs);
      controller.abort(error);
      throw error;
    },
    () => new Promise<never>(() => {}),
  );
  const work = call(fn, { attempt, signal: controller.signal });
  return Promise.race([work, timedOut]).finally(() => {
    timer.abort();
    env.signal.removeEventListener("abort", passOnCancel);
  });
}

function call<T>(fn: (ctx: AttemptContext) => T | Promise<T>, ctx: AttemptContext): Promise<T> {
  try {
    return Promise.resolve(fn(ctx));
  } catch (error) {
    return Promise.reject(error);
  }
}
