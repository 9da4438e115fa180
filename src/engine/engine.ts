/**
 * The embedding API: a long-lived process (a server, a worker) starts runs, follows their events, delivers
 * events to waiting runs, cancels them, and picks up unfinished runs after a restart. Runs execute in this
 * process and wait in memory: a sleep ends on the engine's clock, an event wakes its run as soon as it is sent.
 * A run that starts waiting emits `run:wait` and goes on with its next event when it wakes; its stream ends
 * only after `run:complete`, `run:fail` or `run:cancel`. Child runs (`ctx.child`) execute inside their parent
 * with their own workflow's clock; their events are not part of the parent's stream. With the PostgreSQL store,
 * runs are by default enqueued for workers instead (see {@link EngineOptions.execute}).
 */
import type { Clock } from "../clock.js";
import type { RunEvent, RunEventListener } from "../events.js";
import type { StoredError } from "../journal/records.js";
import type { OnLocked, RunFilter, RunSummary, Store } from "../store/store.js";
import type { Workflow } from "../workflow.js";
import { SteplogEngine } from "./engine-impl.js";

/**
 * Options of {@link createEngine}.
 *
 * @example
 * ```ts
 * const engine = createEngine({ dir: "/var/lib/app/steplog", workflows: [approval], onEvent: (e) => log(e) });
 * ```
 */
export interface EngineOptions {
  /**
   * The state directory of the file store.
   * @default env `STEPLOG_DIR`, else `.steplog/` beside the entry script
   */
  dir?: string;
  /** A store to use instead of the file store; it wins over the workflows' own `dir` and `store`. @default the file store at `dir` */
  store?: Store;
  /** Workflows to register at once (see {@link Engine.register}). @default none */
  workflows?: Workflow<never, unknown>[];
  /** Time source of every run this engine executes, overriding the workflows' own (tests inject one). @default each workflow's clock */
  clock?: Clock;
  /** A listener of every event of every run this engine executes. @default none */
  onEvent?: RunEventListener;
  /** Events kept in memory per run, for streams that join late; older ones are dropped (a joining stream is told). @default 1_000 */
  maxEventsPerRun?: number;
  /** Finished runs whose events stay in memory; older finished runs are streamed from their journal. @default 100 */
  keepFinishedRuns?: number;
  /**
   * Where runs execute. `"local"`: in this process, as described above. `"workers"`: `start()` only creates the
   * run in the store and any worker with the workflow executes it (`createWorker`, `steplog worker`); the
   * handle's `result()` and `stream()` follow the run through the store (polled every `pollIntervalMs` of the
   * store), `onLocked` does not apply, `cancel()` and `send()` reach the worker through the store, and
   * `resumeAll()` does nothing (workers resume unfinished runs). Needs a store that queues runs: the
   * PostgreSQL store.
   * @default "workers" with the PostgreSQL store, else "local"
   */
  execute?: "local" | "workers";
}

/**
 * Options of {@link Engine.start} and {@link Engine.run}.
 *
 * @example
 * ```ts
 * await engine.start(approval, { amount: 120 }, { key: "invoice-881" });
 * ```
 */
export interface StartOptions {
  /** Idempotency key: a completed run with this key returns its recorded result; an unfinished one resumes. @default a new run each call */
  key?: string;
  /** Resume this run (its recorded input is used; a different `input` is refused). @default none */
  runId?: string;
  /** Start a new run even if an unfinished one exists for the key. @default false */
  fresh?: boolean;
  /** When another process runs the same workflow and key: wait for it, skip (start rejects), or fail. @default "wait" */
  onLocked?: OnLocked;
}

/**
 * A run started by the engine.
 *
 * @example
 * ```ts
 * const handle = await engine.start(approval, { amount: 120 });
 * for await (const event of handle.stream()) console.log(event.type);
 * const result = await handle.result();
 * ```
 */
export interface RunHandle<O = unknown> {
  readonly runId: string;
  readonly workflow: string;
  /** The run's result; rejects with the run's error, or RunCancelledError when it was cancelled or the engine closed. */
  result(): Promise<O>;
  /** The run's events: those so far, then live ones, ending after the final event. Same as `engine.stream(runId)`. */
  stream(): AsyncIterableIterator<RunEvent>;
  /** Asks the run to stop (see {@link Engine.cancel}). */
  cancel(reason?: string): Promise<boolean>;
  /** Delivers an event to the run (see {@link Engine.send}). */
  send(event: string, data?: unknown): Promise<string>;
}

/**
 * A run as {@link Engine.get} reports it: its summary and the decoded input, result or error from its journal.
 *
 * @example
 * ```ts
 * const details = await engine.get(runId);
 * if (details?.status === "completed") console.log(details.output);
 * ```
 */
export interface RunDetails extends RunSummary {
  input: unknown;
  /** The result of a completed run. */
  output?: unknown;
  /** The error of a failed run, or the reason of a cancelled one. */
  error?: StoredError;
  /** True while this engine executes the run. */
  inMemory: boolean;
}

/**
 * Options of {@link Engine.resumeAll}.
 *
 * @example
 * ```ts
 * await engine.resumeAll({ failed: false });
 * ```
 */
export interface ResumeAllOptions {
  /** Also resume failed runs whose compensations did not run (their failed step is tried again). @default true */
  failed?: boolean;
}

/**
 * The embedding engine. Create it with {@link createEngine}.
 *
 * @example
 * ```ts
 * const engine = createEngine({ dir: ".steplog", workflows: [approval] });
 * await engine.resumeAll();
 * const { runId } = await engine.start(approval, { amount: 120 });
 * await engine.send(runId, "approval", { approved: true });
 * ```
 */
export interface Engine {
  /** Makes workflows known by name, for `start(name, …)` and `resumeAll()`. A different workflow under a known name is refused. */
  register(...workflows: Workflow<never, unknown>[]): void;
  /**
   * Starts (or resumes) a run and returns its handle as soon as the run id is known, without waiting for the
   * run to finish. Rejects when the run cannot start: an unknown run id, a different input for an unfinished
   * keyed run, the lock held elsewhere with `onLocked` "skip" or "fail", or a closed engine.
   */
  start<I, O>(workflow: Workflow<I, O>, input: I, options?: StartOptions): Promise<RunHandle<O>>;
  start(workflow: string, input: unknown, options?: StartOptions): Promise<RunHandle>;
  /** Starts a run and waits for its result. */
  run<I, O>(workflow: Workflow<I, O>, input: I, options?: StartOptions): Promise<O>;
  run(workflow: string, input: unknown, options?: StartOptions): Promise<unknown>;
  /**
   * The events of a run. For a run this engine executes (or recently finished): every event so far in order
   * (the last `maxEventsPerRun`), then live ones, ending after the final event. For any other run: events
   * synthesized from its journal (`run:start`, `step:replay` per recorded result, `run:wait` per suspension,
   * the final event), then the stream ends. An unknown run id makes the first read reject.
   */
  stream(runId: string): AsyncIterableIterator<RunEvent>;
  /**
   * Delivers an event to a run's inbox and returns the message id. A run waiting in this engine wakes at once;
   * a run elsewhere reads it when it waits or resumes. Refused for an unknown or finished run.
   */
  send(runId: string, event: string, data?: unknown): Promise<string>;
  /**
   * Asks a run to stop: in-flight steps see their signal abort, compensations run, the run ends cancelled.
   * Recorded in the store, so a run in another process or not running at all is cancelled too (when it next
   * runs). Returns false when the run had already finished.
   */
  cancel(runId: string, reason?: string): Promise<boolean>;
  /** Runs in the store, newest first; a run waiting in this engine's memory is reported as "waiting". */
  list(filter?: RunFilter): Promise<RunSummary[]>;
  /** A run's summary with its decoded input and result or error, or undefined for an unknown id (a malformed id throws UsageError). */
  get(runId: string): Promise<RunDetails | undefined>;
  /**
   * Resumes, in memory, every unfinished run of the registered workflows in the store (running, waiting, and
   * failed without compensation), except child runs (their parent resumes them) and runs locked by another
   * live process. Returns the handles of the resumed runs. Runs of workflows not registered are left alone.
   */
  resumeAll(options?: ResumeAllOptions): Promise<RunHandle[]>;
  /** Adds a listener of every event of every run this engine executes; returns a function that removes it. */
  onEvent(listener: RunEventListener): () => void;
  /**
   * Stops the engine: no new runs; in-flight runs are interrupted (their steps' signals abort, they get the
   * workflow's `shutdownGraceMs` to settle), nothing more is journaled, so they stay resumable by `resumeAll()`
   * in the next engine. Their streams end without a final event and their `result()` rejects with
   * RunCancelledError. Resolves once every run has stopped (a start still waiting for a lock held by another
   * process stops once it gets the lock, before running anything). The store is not closed.
   */
  close(): Promise<void>;
}

/**
 * Creates an embedding engine.
 *
 * @example
 * ```ts
 * import { createEngine, workflow } from "steplog";
 * const approval = workflow("approval", async (ctx, input: { amount: number }) => {
 *   const decision = await ctx.waitForEvent<{ approved: boolean }>("approval");
 *   return decision.approved ? await ctx.step("pay", () => pay(input.amount)) : null;
 * });
 * const engine = createEngine({ dir: ".steplog", workflows: [approval] });
 * await engine.resumeAll();
 * const handle = await engine.start(approval, { amount: 120 });
 * await engine.send(handle.runId, "approval", { approved: true });
 * console.log(await handle.result());
 * ```
 */
export function createEngine(options: EngineOptions = {}): Engine {
  return new SteplogEngine(options);
}
