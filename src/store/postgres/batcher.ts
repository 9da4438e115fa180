/**
 * Sharing round trips between concurrent runs: calls of one kind (take a lease, create a run, read a
 * cancellation request, ...) made within one turn of the event loop, or while the previous statement of that
 * kind is in flight, go out as one statement with array parameters. A statement that fails for a reason of
 * the statement (not of the connection) is retried per call, so that one call's error (a duplicate run id, a
 * deadlock) is reported to that call only.
 */
import { isConnectionFailure } from "./connection-error.js";

/** Returned by a batch for a call that must be retried on its own. */
export const RETRY_ALONE: unique symbol = Symbol("retry alone");

interface Call<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/** Most calls in one statement. */
const MAX_BATCH = 500;

/** Coalesces calls of one kind; `run` answers a batch of items, in order. */
export class Batcher<I, O> {
  private pending: Array<Call<I, O>> = [];
  private scheduled = false;
  private running = false;

  constructor(private readonly run: (items: I[]) => Promise<Array<O | typeof RETRY_ALONE>>) {}

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.scheduled || this.running) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.drain();
      });
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0) {
        const calls = this.pending.splice(0, MAX_BATCH);
        await this.runBatch(calls);
      }
    } finally {
      this.running = false;
    }
  }

  private async runBatch(calls: Array<Call<I, O>>): Promise<void> {
    let results: Array<O | typeof RETRY_ALONE>;
    try {
      results = await this.run(calls.map((c) => c.item));
    } catch (error) {
      if (calls.length === 1 || isConnectionFailure((error as { cause?: unknown }).cause ?? error)) {
        for (const c of calls) c.reject(error);
        return;
      }
      results = calls.map(() => RETRY_ALONE);
    }
    const alone: Array<Promise<void>> = [];
    calls.forEach((c, i) => {
      const result = results[i]!;
      if (result !== RETRY_ALONE) return c.resolve(result);
      if (calls.length === 1) return c.reject(new Error("a statement asked to retry a call it ran alone"));
      alone.push(this.run([c.item]).then(([one]) => (one === RETRY_ALONE ? c.reject(new Error("a statement asked to retry a call it ran alone")) : c.resolve(one!)), c.reject));
    });
    await Promise.all(alone);
  }
}
