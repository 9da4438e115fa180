/**
 * The async iterator behind `engine.stream(runId)`: a queue fed by a run's channel (or by events read back from
 * the journal). Leaving a `for await` loop, or calling `return()`, ends it at once, even while it waits.
 */
import type { RunEvent } from "../events.js";

/**
 * An async iterator of one run's events.
 *
 * @example
 * ```ts
 * const events = engine.stream(runId);
 * for await (const event of events) if (event.type === "step:complete") console.log(event.key);
 * ```
 */
export class RunEventStream implements AsyncIterableIterator<RunEvent> {
  #queue: RunEvent[] = [];
  #ended = false;
  #error: unknown;
  #waiter: { resolve: (result: IteratorResult<RunEvent>) => void; reject: (error: unknown) => void } | undefined;
  #cleanup: (() => void) | undefined;

  /** Queues an event (ignored once the stream ended). */
  push(event: RunEvent): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve({ value: event, done: false });
    } else this.#queue.push(event);
  }

  /** Ends the stream after the queued events; with `error`, the next read after them rejects with it. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#runCleanup();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter === undefined) return;
    if (error === undefined) waiter.resolve({ value: undefined, done: true });
    else waiter.reject(error);
  }

  /** Runs `cleanup` when the stream ends (at once when it already has). */
  onEnd(cleanup: () => void): void {
    if (this.#ended) cleanup();
    else this.#cleanup = cleanup;
  }

  next(): Promise<IteratorResult<RunEvent>> {
    const event = this.#queue.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#ended) {
      const error = this.#error;
      this.#error = undefined;
      return error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(error);
    }
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<RunEvent>> {
    this.#queue = [];
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #runCleanup(): void {
    const cleanup = this.#cleanup;
    this.#cleanup = undefined;
    cleanup?.();
  }
}
