/**
 * Helpers of the engine tests: a manual clock, temporary state directories, and readers of event streams.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Clock } from "../../src/clock.js";
import type { RunEvent, RunEventType } from "../../src/events.js";

/** A clock that moves only on `advance`; sleeps resolve when the time reaches their end. Methods work detached. */
export class ManualClock implements Clock {
  #now: number;
  #sleepers = new Set<{ at: number; resolve: () => void }>();

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  get pendingSleeps(): number {
    return this.#sleepers.size;
  }

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper = {
        at: this.#now + ms,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers.delete(sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.add(sleeper);
    });
  };

  advance(ms: number): void {
    this.#now += ms;
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.at > this.#now) continue;
      this.#sleepers.delete(sleeper);
      sleeper.resolve();
    }
  }
}

/** A new empty state directory, removed by the returned cleanup. */
export function tempStateDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-engine-"));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Reads events from `stream` up to and including the first of `type`; fails if the stream ends first. */
export async function readUntil(stream: AsyncIterator<RunEvent>, type: RunEventType): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for (;;) {
    const next = await stream.next();
    if (next.done) throw new Error(`the stream ended before a ${type} event; got ${events.map((e) => e.type).join(", ")}`);
    events.push(next.value);
    if (next.value.type === type) return events;
  }
}

/** Reads every remaining event of `stream`. */
export async function readAll(stream: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The types of `events`, in order. */
export function typesOf(events: RunEvent[]): string[] {
  return events.map((e) => e.type);
}
