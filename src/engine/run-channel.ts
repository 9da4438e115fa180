/**
 * The events of one run executed by an engine: a bounded history for streams that join late, and the
 * streams reading it live.
 */
import type { RunEvent } from "../events.js";
import type { RunEventStream } from "./event-stream.js";

/**
 * The events that end a run's execution.
 *
 * @example
 * ```ts
 * if (FINAL_EVENTS.has(event.type)) console.log("done");
 * ```
 */
export const FINAL_EVENTS: ReadonlySet<RunEvent["type"]> = new Set(["run:complete", "run:fail", "run:cancel"]);

/**
 * One run's event history (the newest `limit` events) and its live readers.
 *
 * @example
 * ```ts
 * const channel = new RunChannel(runId, "approval", 1000);
 * channel.push(event);
 * channel.attach(new RunEventStream());
 * ```
 */
export class RunChannel {
  readonly #events: RunEvent[] = [];
  readonly #readers = new Set<RunEventStream>();
  #dropped = 0;
  #closed = false;

  constructor(
    readonly runId: string,
    readonly workflow: string,
    private readonly limit: number,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** The newest event, if any. */
  get last(): RunEvent | undefined {
    return this.#events.at(-1);
  }

  push(event: RunEvent): void {
    if (this.#closed) return;
    this.#events.push(event);
    if (this.#events.length > this.limit) {
      this.#events.shift();
      this.#dropped++;
    }
    for (const reader of this.#readers) reader.push(event);
  }

  /** Ends every reader; later readers get the history only. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const reader of this.#readers) reader.end();
    this.#readers.clear();
  }

  /** Feeds `reader` the history (after a warning when older events were dropped), then live events until close. */
  attach(reader: RunEventStream): void {
    if (this.#dropped > 0) {
      const first = this.#events[0];
      reader.push({
        type: "run:warning", runId: this.runId, workflow: this.workflow, at: first?.at ?? 0,
        message: `${this.#dropped} earlier events of run ${this.runId} are no longer held in memory (the engine keeps the last ${this.limit})`,
      });
    }
    for (const event of this.#events) reader.push(event);
    if (this.#closed) return reader.end();
    this.#readers.add(reader);
    reader.onEnd(() => this.#readers.delete(reader));
  }
}
