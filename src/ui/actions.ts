/**
 * The dashboard's actions: send an event, cancel a run, resume it (re-run its script), redrive a DLQ entry.
 * Each takes the parsed JSON body of a checked POST (see security.ts) and returns the JSON answer.
 */
import { requestCancel, deliverEvent } from "../engine/store-operations.js";
import { UsageError } from "../errors.js";
import { checkRunId } from "../names.js";
import type { Store } from "../store/store.js";
import { RequestRefused } from "./security.js";
import { spawnRun, type SpawnTarget } from "./spawn-run.js";

/** What the actions work on. */
export interface ActionContext {
  store: Store;
  spawnTarget: SpawnTarget;
  /** Writes a line to the dashboard's log (stderr). */
  log(line: string): void;
}

/**
 * The actions of one dashboard; re-runs in flight are tracked so a double click does not start two.
 *
 * @example
 * ```ts
 * const actions = createActions({ store, spawnTarget: { dir, env: process.env }, log: console.error });
 * await actions.send(runId, { event: "approval", data: { ok: true } });
 * ```
 */
export function createActions(ctx: ActionContext) {
  const rerunning = new Map<string, Promise<number>>();

  async function rerun(runId: string, onExit?: (code: number) => Promise<void>): Promise<{ command: string }> {
    if (rerunning.has(runId)) throw new RequestRefused(409, `run ${runId} is already being re-run from this dashboard`);
    const run = await ctx.store.loadRun(runId);
    const { command, exited } = spawnRun(run.header, ctx.spawnTarget);
    ctx.log(`$ ${command}`);
    const done = exited.then(async (code) => {
      ctx.log(`run ${runId}: the script exited ${code}`);
      await onExit?.(code).catch((error: unknown) => ctx.log(`run ${runId}: ${String(error)}`));
      return code;
    });
    rerunning.set(runId, done);
    void done.finally(() => rerunning.delete(runId));
    return { command };
  }

  return {
    async send(runId: string, body: Record<string, unknown>) {
      const { event, data } = body;
      if (typeof event !== "string" || event === "") throw new UsageError("give the event's name as `event`");
      const messageId = await deliverEvent(ctx.store, checkRunId(runId), event, data ?? null, Date.now());
      ctx.log(`delivered event '${event}' to run ${runId} (message ${messageId})`);
      const summary = await ctx.store.getRun(runId);
      const resumed = body.resume === true && summary?.status === "waiting" ? await rerun(runId) : undefined;
      return { ok: true, messageId, ...(resumed ? { resumed: resumed.command } : {}) };
    },

    async cancel(runId: string, body: Record<string, unknown>) {
      const reason = typeof body.reason === "string" && body.reason !== "" ? body.reason.slice(0, 4096) : null;
      const requested = await requestCancel(ctx.store, checkRunId(runId), reason, Date.now());
      if (requested) ctx.log(`cancellation of run ${runId} requested`);
      return { ok: true, requested };
    },

    async resume(runId: string) {
      const summary = await ctx.store.getRun(checkRunId(runId));
      if (summary === undefined) throw new RequestRefused(404, `unknown run ${runId}`);
      if (summary.status === "completed" || summary.status === "cancelled") throw new UsageError(`run ${runId} is ${summary.status}; there is nothing to resume`);
      return { ok: true, ...(await rerun(runId)) };
    },

    async redrive(entryId: string) {
      const entry = await ctx.store.dlq.get(checkRunId(entryId));
      if (entry === undefined) throw new RequestRefused(404, `unknown dead-letter entry ${entryId}`);
      if (entry.status !== "open") throw new UsageError(`dead-letter entry ${entryId} is ${entry.status}, not open`);
      const started = await rerun(entry.runId, async (code) => {
        if (code !== 0) return;
        await ctx.store.dlq.setStatus(entry.id, "redriven", Date.now());
        ctx.log(`dead-letter entry ${entry.id} marked redriven`);
      });
      return { ok: true, runId: entry.runId, ...started };
    },

    /** Waits for every re-run started here (for a clean shutdown in tests). */
    async settled(): Promise<void> {
      await Promise.all(rerunning.values());
    },
  };
}

/** The actions of a dashboard. */
export type Actions = ReturnType<typeof createActions>;
