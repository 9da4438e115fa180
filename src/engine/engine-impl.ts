/**
 * The engine behind `createEngine`: runs in memory, their event channels, and the store operations around them.
 */
import type { Clock } from "../clock.js";
import { LockHeldError, RunCancelledError, UsageError } from "../errors.js";
import type { RunEvent, RunEventListener } from "../events.js";
import { storeError } from "../journal/values.js";
import { checkRunId } from "../names.js";
import type { RunOutcome } from "../run/execute.js";
import { storeFor } from "../store/default-store.js";
import type { RunFilter, RunSummary, Store } from "../store/store.js";
import type { Workflow } from "../workflow.js";
import type { WorkflowDefinition } from "../workflow-definition.js";
import type { Engine, EngineOptions, ResumeAllOptions, RunDetails, RunHandle, StartOptions } from "./engine.js";
import { RunEventStream } from "./event-stream.js";
import { eventsFromJournal } from "./journal-events.js";
import { launch, type Execution, type LaunchContext } from "./launch.js";
import { deliverEvent, requestCancel, unfinishedRuns } from "./store-operations.js";
import { WorkflowRegistry } from "./registry.js";
import { FINAL_EVENTS, RunChannel } from "./run-channel.js";
import { readRunDetails } from "./run-details.js";
import { followRemote, remoteResult, runQueueOf, type RunQueue } from "./run-queue.js";
import { createRunHandle } from "./run-handle.js";

interface Active {
  readonly execution: Execution;
  readonly handle: RunHandle;
  readonly key: string | undefined;
  readonly settled: Promise<void>;
}

/**
 * The {@link Engine} implementation; use {@link createEngine}.
 *
 * @example
 * ```ts
 * const engine: Engine = new SteplogEngine({ dir: ".steplog", workflows: [approval] });
 * ```
 */
export class SteplogEngine implements Engine {
  readonly #store: Store;
  readonly #clock: Clock | undefined;
  readonly #registry = new WorkflowRegistry();
  readonly #listeners = new Set<RunEventListener>();
  readonly #active = new Map<string, Active>();
  readonly #launching = new Set<Promise<unknown>>();
  readonly #live = new Map<string, RunChannel>();
  readonly #finished = new Map<string, RunChannel>();
  readonly #shutdown = new AbortController();
  readonly #maxEventsPerRun: number;
  readonly #keepFinishedRuns: number;
  readonly #queue: RunQueue | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: EngineOptions) {
    this.#store = options.store ?? storeFor(options.dir);
    this.#queue = queueFor(this.#store, options.execute);
    this.#clock = options.clock;
    this.#maxEventsPerRun = positiveInteger("maxEventsPerRun", options.maxEventsPerRun, 1000);
    this.#keepFinishedRuns = positiveInteger("keepFinishedRuns", options.keepFinishedRuns, 100, true);
    if (options.onEvent) this.#listeners.add(options.onEvent);
    this.register(...(options.workflows ?? []));
  }

  register(...workflows: Workflow<never, unknown>[]): void {
    for (const workflow of workflows) this.#registry.add(workflow);
  }

  start<I, O>(workflow: Workflow<I, O>, input: I, options?: StartOptions): Promise<RunHandle<O>>;
  start(workflow: string, input: unknown, options?: StartOptions): Promise<RunHandle>;
  async start(workflow: Workflow<never, unknown> | string, input: unknown, options: StartOptions = {}): Promise<RunHandle> {
    const definition = typeof workflow === "string" ? this.#registry.get(workflow) : this.#registry.use(workflow);
    if (this.#queue) return this.#enqueue(this.#queue, definition, input, options);
    const launched = await this.#launch(definition, input, options);
    if ("skipped" in launched) {
      const { key, owner } = launched.skipped;
      const since = owner ? ` (pid ${owner.pid} on ${owner.host} since ${new Date(owner.since).toISOString()})` : "";
      throw new LockHeldError(`workflow '${definition.name}' key '${key}' is running in another process${since}`, owner && { ...owner, since: new Date(owner.since).toISOString() });
    }
    return launched;
  }

  run<I, O>(workflow: Workflow<I, O>, input: I, options?: StartOptions): Promise<O>;
  run(workflow: string, input: unknown, options?: StartOptions): Promise<unknown>;
  async run(workflow: Workflow<never, unknown> | string, input: unknown, options?: StartOptions): Promise<unknown> {
    const handle = await this.start(workflow as string, input, options);
    return handle.result();
  }

  stream(runId: string): AsyncIterableIterator<RunEvent> {
    const reader = new RunEventStream();
    const channel = this.#live.get(runId) ?? this.#finished.get(runId);
    if (channel !== undefined) channel.attach(reader);
    else if (this.#queue) void followRemote(this.#queue, runId, reader, this.#shutdown.signal);
    else this.#streamJournal(runId, reader).catch((error: unknown) => reader.end(error));
    return reader;
  }

  async send(runId: string, event: string, data?: unknown): Promise<string> {
    return deliverEvent(this.#store, runId, event, data, this.#now());
  }

  async cancel(runId: string, reason?: string): Promise<boolean> {
    const requested = await requestCancel(this.#store, runId, reason ?? null, this.#now());
    if (requested) this.#active.get(runId)?.execution.controller.abort(new RunCancelledError(reason));
    return requested;
  }

  async list(filter?: RunFilter): Promise<RunSummary[]> {
    const runs = await this.#store.listRuns(filter);
    return runs.map((run) => (this.#waitingInMemory(run.runId) ? { ...run, status: "waiting" } : run));
  }

  async get(runId: string): Promise<RunDetails | undefined> {
    const details = await readRunDetails(this.#store, runId, this.#active.has(runId));
    if (details && this.#waitingInMemory(runId)) details.status = "waiting";
    return details;
  }

  async resumeAll(options: ResumeAllOptions = {}): Promise<RunHandle[]> {
    if (this.#queue) return [];
    const handles: RunHandle[] = [];
    const runs = await unfinishedRuns(this.#store, this.#registry.names(), options.failed ?? true);
    for (const run of runs) {
      if (this.#active.has(run.runId)) continue;
      try {
        const launched = await this.#launch(this.#registry.get(run.workflow), undefined, { runId: run.runId, onLocked: "skip" });
        if ("skipped" in launched) this.#notify({ type: "lock:skip", runId: run.runId, workflow: run.workflow, at: this.#now(), ...launched.skipped });
        else handles.push(launched);
      } catch (error) {
        const message = `run ${run.runId} could not be resumed: ${storeError(error).message}`;
        this.#notify({ type: "run:warning", runId: run.runId, workflow: run.workflow, at: this.#now(), message });
      }
    }
    return handles;
  }

  onEvent(listener: RunEventListener): () => void {
    const own = (event: RunEvent) => listener(event);
    this.#listeners.add(own);
    return () => void this.#listeners.delete(own);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#shutdown.abort(new Error("the engine is closing"));
      await Promise.all(this.#launching);
      await Promise.all([...this.#active.values()].map((active) => active.settled));
    })();
    return this.#closing;
  }

  async #enqueue(queue: RunQueue, definition: WorkflowDefinition, input: unknown, options: StartOptions): Promise<RunHandle> {
    if (this.#closing) throw new UsageError("the engine is closed; create a new engine to start runs");
    let runId = options.runId;
    if (runId !== undefined) {
      const summary = await queue.getRun(checkRunId(runId));
      if (summary === undefined) throw new UsageError(`unknown run id ${runId} in the ${queue.description}; list runs with engine.list()`);
      if (summary.workflow !== definition.name) throw new UsageError(`run ${runId} belongs to workflow '${summary.workflow}', not '${definition.name}'`);
    } else {
      const enqueueOptions = { ...(options.key !== undefined ? { key: options.key } : {}), ...(options.fresh ? { fresh: true } : {}) };
      runId = (await queue.enqueue(this.#clock ? { ...definition, options: { ...definition.options, clock: this.#clock } } : definition, input, enqueueOptions)).runId;
    }
    const id = runId;
    let result: Promise<unknown> | undefined;
    return {
      runId: id, workflow: definition.name,
      result: () => (result ??= remoteResult(queue, id, this.#shutdown.signal)),
      stream: () => this.stream(id),
      cancel: (reason) => this.cancel(id, reason),
      send: (event, data) => this.send(id, event, data),
    };
  }

  async #launch(definition: WorkflowDefinition, input: unknown, options: StartOptions) {
    if (this.#closing) throw new UsageError("the engine is closed; create a new engine to start runs");
    const running = this.#runningFor(definition.name, options);
    if (running !== undefined) return running.handle;
    const ctx: LaunchContext = {
      store: this.#store, clock: this.#clock, shutdown: this.#shutdown.signal, listener: (event) => this.#dispatch(event),
      onLaunch: ({ outcome }) => {
        this.#launching.add(outcome);
        void outcome.then(() => this.#launching.delete(outcome));
      },
      onRunId: (runId, execution) => this.#track(runId, definition.name, options.key, execution),
    };
    const launched = await launch(ctx, definition, input, options);
    if ("skipped" in launched) return launched;
    return this.#active.get(launched.runId)?.handle ?? createRunHandle(this, launched.runId, definition.name, launched.execution.outcome);
  }

  #runningFor(workflow: string, options: StartOptions): Active | undefined {
    if (options.runId !== undefined) return this.#active.get(options.runId);
    if (options.key === undefined || options.fresh) return undefined;
    for (const active of this.#active.values()) if (active.handle.workflow === workflow && active.key === options.key) return active;
    return undefined;
  }

  #track(runId: string, workflow: string, key: string | undefined, execution: Execution): void {
    this.#channel(runId, workflow);
    const handle = createRunHandle(this, runId, workflow, execution.outcome);
    const settled = execution.outcome.then((outcome) => this.#settle(runId, outcome));
    this.#active.set(runId, { execution, handle, key, settled });
  }

  #settle(runId: string, outcome: RunOutcome): void {
    this.#active.delete(runId);
    const channel = this.#live.get(runId);
    if (channel === undefined) return;
    const last = channel.last;
    if (outcome.status === "failed" && (last === undefined || !FINAL_EVENTS.has(last.type))) {
      const error = storeError(outcome.error);
      this.#dispatch({ type: "run:fail", runId, workflow: outcome.workflow, at: this.#now(), error, exitCode: outcome.exitCode });
    }
    channel.close();
    this.#live.delete(runId);
    this.#finished.delete(runId);
    this.#finished.set(runId, channel);
    for (const old of this.#finished.keys()) {
      if (this.#finished.size <= this.#keepFinishedRuns) break;
      this.#finished.delete(old);
    }
  }

  #channel(runId: string, workflow: string): RunChannel {
    let channel = this.#live.get(runId);
    if (channel === undefined) this.#live.set(runId, (channel = new RunChannel(runId, workflow, this.#maxEventsPerRun)));
    return channel;
  }

  #dispatch(event: RunEvent): void {
    this.#channel(event.runId, event.workflow).push(event);
    this.#notify(event);
  }

  #notify(event: RunEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // a listener must not break a run
      }
    }
  }

  #waitingInMemory(runId: string): boolean {
    return this.#active.has(runId) && this.#live.get(runId)?.last?.type === "run:wait";
  }

  async #streamJournal(runId: string, reader: RunEventStream): Promise<void> {
    checkRunId(runId);
    if ((await this.#store.getRun(runId)) === undefined) {
      throw new UsageError(`unknown run id ${runId} in the ${this.#store.description}; list runs with engine.list()`);
    }
    for (const event of eventsFromJournal(await this.#store.loadRun(runId))) reader.push(event);
    reader.end();
  }

  #now(): number {
    return (this.#clock ?? Date).now();
  }
}

function queueFor(store: Store, execute: EngineOptions["execute"]): RunQueue | undefined {
  if (execute !== undefined && execute !== "local" && execute !== "workers") {
    throw new UsageError(`Expected \`execute\` to be "local" or "workers", got ${JSON.stringify(execute)}`);
  }
  const queue = runQueueOf(store);
  if (execute === "workers" && queue === undefined) {
    throw new UsageError(`execute: "workers" needs a store that queues runs for workers (the PostgreSQL store), not the ${store.description}`);
  }
  return execute === "local" ? undefined : queue;
}

function positiveInteger(name: string, value: number | undefined, fallback: number, zeroAllowed = false): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < (zeroAllowed ? 0 : 1)) {
    throw new UsageError(`Expected \`${name}\` to be a ${zeroAllowed ? "non-negative" : "positive"} integer, got ${String(value)}`);
  }
  return value;
}
