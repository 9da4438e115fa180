/**
 * Time and randomness, injectable so that tests never sleep and retries are reproducible.
 */

/**
 * A source of time. The default uses `Date.now()` and timers; tests pass a manual clock.
 *
 * @example
 * ```ts
 * const clock: Clock = { now: () => fixed, sleep: async () => {} };
 * workflow("w", fn, { clock });
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** A random number in [0, 1). */
export type RandomSource = () => number;
