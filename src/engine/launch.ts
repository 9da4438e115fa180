/**
 * Starting one run in memory for the engine: `executeRun` with in-memory waits, the engine's store, clock and
 * shutdown signal, resolved as soon as the run id is known.
 */
import type { Clock } from "../clock.js";
import type { RunEventListener } from "../events.js";
import { currentEntry } from "../main/entry.js";
import { executeRun, type RunOutcome } from "../run/execute.js";
import type { Store } from "../store/store.js";
import type { WorkflowDefinition } from "../workflow-definition.js";
import type { StartOptions } from "./engine.js";

/**
 * What a launch needs from the engine.
 *
 * @example
 * ```ts
 * const ctx: LaunchContext = { store, clock: undefined, shutdown: shutdown.signal, listener, onLaunch, onRunId };
 * ```
 */
export interface LaunchContext {
  store: Store;
  clock: Clock | undefined;
  shutdown: AbortSignal;
  listener: RunEventListener;
  /** Called as the launch begins, before the run id is known. */
  onLaunch(execution: Execution): void;
  /** Called with the run id once the run is open and about to execute. */
  onRunId(runId: string, execution: Execution): void;
}

/**
 * A run started by the engine.
 *
 * @example
 * ```ts
 * execution.controller.abort(new RunCancelledError("no longer needed"));
 * const outcome = await execution.outcome;
 * ```
 */
export interface Execution {
  readonly controller: AbortController;
  /** Settles with how the execution ended; never rejects. */
  readonly outcome: Promise<RunOutcome>;
}

/**
 * How a launch went: the run executes (`runId` known), ended before executing (a recorded result), or was
 * skipped because another process holds its lock (with `onLocked` "skip").
 *
 * @example
 * ```ts
 * const launched: Launched = await launch(ctx, definition, input, {});
 * if ("skipped" in launched) console.log(launched.skipped.owner);
 * ```
 */
export type Launched =
  | { execution: Execution; runId: string; executing: boolean }
  | { skipped: { key: string; owner: { pid: number; host: string; since: number } | undefined } };

/**
 * Starts a run and resolves once its id is known. Rejects when the run could not start (an error before the
 * journal was opened).
 *
 * @example
 * ```ts
 * const launched = await launch(ctx, definitionOf(approval), { amount: 1 }, { key: "invoice-1" });
 * ```
 */
export async function launch(ctx: LaunchContext, definition: WorkflowDefinition, input: unknown, options: StartOptions): Promise<Launched> {
  const controller = new AbortController();
  const listeners = [ctx.listener];
  if (definition.userOptions.onEvent) listeners.push(definition.userOptions.onEvent);
  let resolveOutcome!: (outcome: RunOutcome) => void;
  const outcome = new Promise<RunOutcome>((resolve) => (resolveOutcome = resolve));
  const execution: Execution = { controller, outcome };
  ctx.onLaunch(execution);
  let resolveId!: (runId: string) => void;
  const idKnown = new Promise<string>((resolve) => (resolveId = resolve));
  void executeRun({
    definition: ctx.clock ? withClock(definition, ctx.clock) : definition,
    store: ctx.store, input, inputGiven: options.runId === undefined || input !== undefined,
    key: options.key, keyExplicit: options.key !== undefined, ...(options.runId !== undefined ? { runId: options.runId } : {}),
    fresh: options.fresh ?? false, onLocked: options.onLocked ?? "wait", suspendable: false,
    signal: controller.signal, shutdown: ctx.shutdown, listeners, entry: currentEntry(),
    onRunId: (runId) => {
      ctx.onRunId(runId, execution);
      resolveId(runId);
    },
  }).then(resolveOutcome);
  const first = await Promise.race([idKnown.then((runId) => ({ runId })), outcome.then((ended) => ({ ended }))]);
  if ("runId" in first) return { execution, runId: first.runId, executing: true };
  const ended = first.ended;
  if (ended.status === "skipped") return { skipped: { key: ended.key, owner: ended.owner } };
  if (ended.status === "failed") throw ended.error;
  return { execution, runId: ended.runId, executing: false };
}

/** The definition with the engine's clock instead of the workflow's own. */
function withClock(definition: WorkflowDefinition, clock: Clock): WorkflowDefinition {
  return { ...definition, options: { ...definition.options, clock } };
}
