/**
 * Engine runs executed by workers: a store that can enqueue runs (the PostgreSQL store) creates the run, and any
 * worker with the workflow executes it. The engine follows such a run through the store: its result once it
 * ends, its events as its records appear.
 */
import { RunCancelledError, UsageError } from "../errors.js";
import type { RunEvent } from "../events.js";
import { restoreError } from "../journal/values.js";
import type { RunStatus, Store } from "../store/store.js";
import type { WorkflowDefinition } from "../workflow-definition.js";
import { eventsFromJournal } from "./journal-events.js";
import type { RunEventStream } from "./event-stream.js";
import { readRunDetails } from "./run-details.js";

/**
 * A store that queues runs for workers (`PostgresStore`).
 *
 * @example
 * ```ts
 * const queue = runQueueOf(store);
 * if (queue) await queue.enqueue(definition, { day: "2026-11-22" }, { key: "2026-11-22" });
 * ```
 */
export interface RunQueue extends Store {
  enqueue(definition: WorkflowDefinition, input: unknown, options: { key?: string; fresh?: boolean }): Promise<{ runId: string; existing: boolean }>;
  readonly options: { pollIntervalMs: number };
}

/**
 * The store as a {@link RunQueue}, or undefined when it cannot enqueue (the file store).
 *
 * @example
 * ```ts
 * const execute = runQueueOf(store) ? "workers" : "local";
 * ```
 */
export function runQueueOf(store: Store): RunQueue | undefined {
  const queue = store as Partial<RunQueue>;
  return typeof queue.enqueue === "function" && typeof queue.options?.pollIntervalMs === "number" ? (queue as RunQueue) : undefined;
}

const SETTLED: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled"]);

/**
 * The result of a run workers execute: resolves with its output once it completes, rejects with its error when
 * it fails or is cancelled, or with RunCancelledError when `signal` aborts (the engine closed) first.
 *
 * @example
 * ```ts
 * const output = await remoteResult(queue, runId, shutdown.signal);
 * ```
 */
export async function remoteResult(queue: RunQueue, runId: string, signal: AbortSignal): Promise<unknown> {
  for (;;) {
    const details = await readRunDetails(queue, runId, false);
    if (details === undefined) throw new UsageError(`unknown run id ${runId} in the ${queue.description}`);
    if (details.status === "completed") return details.output;
    if (SETTLED.has(details.status)) {
      if (details.status === "cancelled") throw new RunCancelledError(details.error?.message);
      throw details.error ? restoreError(details.error) : new Error(`run ${runId} failed`);
    }
    await pause(queue.options.pollIntervalMs, signal);
  }
}

/**
 * Feeds `reader` the events of a run workers execute, synthesized from its records as they appear, and ends it
 * after the run settles (or when `signal` aborts).
 *
 * @example
 * ```ts
 * void followRemote(queue, runId, reader, shutdown.signal);
 * ```
 */
export async function followRemote(queue: RunQueue, runId: string, reader: RunEventStream, signal: AbortSignal): Promise<void> {
  let sent = 0;
  try {
    for (;;) {
      const summary = await queue.getRun(runId);
      if (summary === undefined) throw new UsageError(`unknown run id ${runId} in the ${queue.description}`);
      const events: RunEvent[] = eventsFromJournal(await queue.loadRun(runId));
      for (const event of events.slice(sent)) reader.push(event);
      sent = Math.max(sent, events.length);
      if (SETTLED.has(summary.status)) return reader.end();
      await pause(queue.options.pollIntervalMs, signal);
    }
  } catch (error) {
    reader.end(signal.aborted ? undefined : error);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new RunCancelledError("the engine closed"));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RunCancelledError("the engine closed"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
