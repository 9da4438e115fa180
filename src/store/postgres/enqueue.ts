/**
 * Starting a run for the workers: the run is created in the store, not executed here; any worker with the
 * workflow picks it up.
 */
import { os } from "../../builtins.js";
import { ulid } from "ulid";
import { UsageError } from "../../errors.js";
import type { RunHeader } from "../../journal/records.js";
import { Unserializable, encodeValue } from "../../journal/values.js";
import { currentEntry } from "../../main/entry.js";
import { checkKey } from "../../names.js";
import { definitionOf, type Workflow } from "../../workflow.js";
import type { WorkflowDefinition } from "../../workflow-definition.js";
import type { PostgresStore } from "./postgres-store.js";
import { enqueueLockSql } from "./sql/worker.js";
import { enqueueRunsSql, latestRunSql } from "./sql/runs.js";

/** Options of {@link enqueueRun}. */
export interface EnqueueOptions {
  /**
   * Idempotency key: while a run of this workflow and key is unfinished (running or waiting) or completed, that
   * run is returned instead of a new one.
   * @default a new run keyed by its own id
   */
  key?: string;
}

/** The run an enqueue created or found. */
export interface EnqueuedRun {
  runId: string;
  /** True when an existing run of the key was returned. */
  existing: boolean;
}

/**
 * Creates a run for the workers to execute and wakes them.
 *
 * @example
 * ```ts
 * const { runId } = await enqueueRun(store, nightly, { day: "2026-11-22" }, { key: "2026-11-22" });
 * ```
 */
export async function enqueueRun<I>(store: PostgresStore, wf: Workflow<I, unknown>, input: I, options: EnqueueOptions = {}): Promise<EnqueuedRun> {
  return enqueueDefinition(store, definitionOf(wf as Workflow<unknown, unknown>), input, options);
}

/**
 * {@link enqueueRun} for a workflow definition (the engine's). `fresh` creates a new run even when the key has
 * an unfinished or completed one.
 *
 * @example
 * ```ts
 * const { runId } = await enqueueDefinition(store, definitionOf(nightly), { day: "2026-11-22" }, { key: "2026-11-22" });
 * ```
 */
export async function enqueueDefinition(store: PostgresStore, definition: WorkflowDefinition, input: unknown, options: EnqueueOptions & { fresh?: boolean } = {}): Promise<EnqueuedRun> {
  const encoded = encodeValue(input, "input");
  if (encoded instanceof Unserializable) throw new UsageError(`the workflow input has ${encoded.reason} at ${encoded.path}; pass plain data`);
  const runId = ulid(definition.options.clock.now());
  const key = options.key === undefined ? runId : checkKey(options.key);
  const header: RunHeader = {
    v: 1, type: "run", runId, workflow: definition.name, key, input: encoded, codeHash: definition.codeHash,
    entry: currentEntry(), host: os.hostname(), pid: process.pid, startedAt: definition.options.clock.now(),
  };
  const { db } = store;
  const run = { runId, workflow: definition.name, key, header: JSON.stringify(header), startedAt: header.startedAt };
  if (options.key === undefined || options.fresh === true) {
    // A new key (or --fresh): nothing to look up, so one statement shared with concurrent enqueues.
    await store.shared.enqueue.call(run);
    return { runId, existing: false };
  }
  const s = `"${db.schema}"`;
  return db.transaction("enqueue run", async (client) => {
    await client.query(enqueueLockSql(), [definition.name, key]);
    const latest = await client.query<{ run_id: string; status: string }>(latestRunSql(s), [definition.name, key, false]);
    const found = latest.rows[0];
    if (found && (found.status === "running" || found.status === "waiting" || found.status === "completed")) return { runId: found.run_id, existing: true };
    await client.query(enqueueRunsSql(s), [[runId], [definition.name], [key], [run.header], [run.startedAt], store.notifier.channels.wake]);
    return { runId, existing: false };
  });
}
