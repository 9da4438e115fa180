/**
 * Workers: many processes (on many machines) executing the runs of one PostgreSQL store. A worker claims
 * runnable runs of its workflows (FOR UPDATE SKIP LOCKED, with a lease), runs each with the same executor as
 * `wf.run()`, renews the leases while they run, and wakes on LISTEN/NOTIFY or, as a fallback, a poll. A worker
 * that dies or stalls loses its leases; others resume its runs from their records.
 */
import { os } from "../../builtins.js";
import { LockLostError } from "../../errors.js";
import type { RunEventListener } from "../../events.js";
import { currentEntry } from "../../main/entry.js";
import { executeRun, type RunOutcome } from "../../run/execute.js";
import type { WorkflowDefinition } from "../../workflow-definition.js";
import { definitionOf, type Workflow } from "../../workflow.js";
import type { RunLease } from "../store.js";
import { PostgresLease } from "./lease.js";
import type { PostgresStore } from "./postgres-store.js";
import { claimRunsSql } from "./sql/claim-runs.js";
import { markFailedSql } from "./sql/worker.js";

/** A workflow as given to a worker (any input and output types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWorkflow = Workflow<any, any>;

/**
 * Options of {@link createWorker}.
 *
 * @example
 * ```ts
 * const worker = createWorker({ store, workflows: [nightly, billing], concurrency: 50 });
 * ```
 */
export interface WorkerOptions {
  /** The PostgreSQL store whose runs this worker executes. */
  store: PostgresStore;
  /** The workflows this worker can run; runs of other workflows are left to other workers. */
  workflows: readonly AnyWorkflow[] | Record<string, AnyWorkflow>;
  /**
   * How many runs execute at once in this process.
   * @default 10
   */
  concurrency?: number;
  /**
   * How often to look for runnable runs without a notification (expired leases of dead workers, elapsed
   * sleeps, a missed NOTIFY).
   * @default the store's `pollIntervalMs` (1_000)
   */
  pollIntervalMs?: number;
  /**
   * On `stop()`, how long running runs get to finish before they are interrupted and handed back.
   * @default 10_000
   */
  shutdownGraceMs?: number;
  /** Receives the events of every run this worker executes. */
  onEvent?: RunEventListener;
  /** Called when a run this worker executed stops (completed, waiting, failed, cancelled, interrupted). */
  onOutcome?: (outcome: RunOutcome) => void;
  /** Called with errors of the worker loop itself (the database unreachable); the loop keeps going. */
  onError?: (error: unknown) => void;
}

/**
 * A running worker.
 *
 * @example
 * ```ts
 * const worker = createWorker({ store, workflows: [nightly] }).start();
 * process.on("SIGTERM", () => void worker.stop());
 * ```
 */
export interface Worker {
  /** Starts claiming runs; returns the worker. */
  start(): Worker;
  /** Stops claiming, lets running runs finish within `graceMs`, interrupts and hands back the rest. */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Resolves the next time the worker finds nothing to claim and has no run in progress. */
  idle(): Promise<void>;
  /** How many runs are executing now. */
  readonly active: number;
}

interface ActiveRunSlot {
  promise: Promise<void>;
  controller: AbortController;
}

/**
 * Creates a worker for a PostgreSQL store.
 *
 * @example
 * ```ts
 * import { createPostgresStore, createWorker } from "steplog/postgres";
 * import { nightly } from "./workflows.mjs";
 * const store = createPostgresStore({ connectionString: process.env.STEPLOG_DATABASE_URL });
 * const worker = createWorker({ store, workflows: [nightly], concurrency: 20 }).start();
 * ```
 */
export function createWorker(options: WorkerOptions): Worker {
  return new PostgresWorker(options);
}

class PostgresWorker implements Worker {
  private readonly store: PostgresStore;
  private readonly definitions = new Map<string, WorkflowDefinition>();
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly runs = new Set<ActiveRunSlot>();
  private started = false;
  private stopping = false;
  private loopDone: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private woken = false;
  private idleWaiters: Array<() => void> = [];
  private unwatch: (() => void) | undefined;

  constructor(private readonly options: WorkerOptions) {
    this.store = options.store;
    const list = Array.isArray(options.workflows) ? options.workflows : Object.values(options.workflows);
    for (const wf of list as AnyWorkflow[]) {
      const definition = definitionOf(wf);
      this.definitions.set(definition.name, definition);
    }
    if (this.definitions.size === 0) throw new TypeError("createWorker: `workflows` must name at least one workflow");
    this.concurrency = options.concurrency ?? 10;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new TypeError(`Expected \`concurrency\` to be a positive integer, got ${String(options.concurrency)}`);
    }
    this.pollIntervalMs = options.pollIntervalMs ?? this.store.options.pollIntervalMs;
  }

  get active(): number {
    return this.runs.size;
  }

  start(): Worker {
    if (this.started) return this;
    this.started = true;
    this.unwatch = this.store.notifier.watchWake(() => this.poke());
    this.loopDone = this.loop();
    return this;
  }

  idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.poke();
    });
  }

  async stop(options: { graceMs?: number } = {}): Promise<void> {
    this.stopping = true;
    this.poke();
    await this.loopDone;
    this.unwatch?.();
    const graceMs = options.graceMs ?? this.options.shutdownGraceMs ?? 10_000;
    const all = Promise.all([...this.runs].map((r) => r.promise));
    const timer = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), graceMs).unref());
    if ((await Promise.race([all.then(() => "done" as const), timer])) === "late") {
      for (const run of this.runs) run.controller.abort(new Error("the worker is stopping; the run is handed back"));
      await all;
    }
  }

  private poke(): void {
    this.woken = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      const free = this.concurrency - this.runs.size;
      let claimed = 0;
      if (free > 0) {
        try {
          claimed = await this.claim(free);
        } catch (error) {
          this.options.onError?.(error);
        }
      }
      if (claimed === 0 && this.runs.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      if (this.stopping) break;
      if (this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollIntervalMs);
        timer.unref();
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  private async claim(limit: number): Promise<number> {
    const { db } = this.store;
    const since = Date.now();
    const rows = await db.query<{ run_id: string; workflow: string; key: string; epoch: string }>("claim runs", db.statement("claim", claimRunsSql), [
      [...this.definitions.keys()], Date.now(), limit, this.store.holderId, process.pid, os.hostname(), since, this.store.options.leaseMs,
    ]);
    for (const row of rows) this.execute(row.run_id, row.workflow, row.key, Number(row.epoch), since);
    return rows.length;
  }

  private execute(runId: string, workflow: string, key: string, epoch: number, since: number): void {
    const controller = new AbortController();
    const lease = new PostgresLease(this.store.leases, workflow, key, epoch, since, (error) => controller.abort(error));
    const slot: ActiveRunSlot = { controller, promise: Promise.resolve() };
    slot.promise = this.runClaimed(runId, this.definitions.get(workflow)!, lease, controller.signal).finally(() => {
      this.runs.delete(slot);
      this.poke();
    });
    this.runs.add(slot);
  }

  private async runClaimed(runId: string, definition: WorkflowDefinition, lease: PostgresLease, shutdown: AbortSignal): Promise<void> {
    // executeRun releases the lease it is given; this worker releases it itself, after looking at the outcome.
    const held: RunLease = { epoch: lease.epoch, owner: lease.owner, release: () => Promise.resolve() };
    const listeners = [this.options.onEvent, definition.userOptions.onEvent].filter((l): l is RunEventListener => l !== undefined);
    try {
      const outcome = await executeRun({
        definition, store: this.store, input: undefined, inputGiven: false, key: undefined, keyExplicit: false, runId,
        fresh: false, onLocked: "skip", suspendable: true, shutdown, listeners, entry: currentEntry(), lease: held,
      });
      if (outcome.status === "failed" && !(outcome.error instanceof LockLostError) && !lease.lost) {
        const { db } = this.store;
        await db.query("mark run failed", db.statement("mark_failed", markFailedSql), [runId, Date.now(), lease.epoch]).catch((error: unknown) => this.options.onError?.(error));
      }
      try {
        this.options.onOutcome?.(outcome);
      } catch {
        // a callback must not break the worker
      }
    } finally {
      await lease.release().catch((error: unknown) => this.options.onError?.(error));
    }
  }
}
