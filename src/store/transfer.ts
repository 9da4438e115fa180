/**
 * Moving a run, in flight, from one store to another (the file store and PostgreSQL): its header, records,
 * undelivered events, cancellation request and open dead-letter entries. The run keeps its id (so step
 * idempotency keys stay the same). The source copy is ended as cancelled ("moved to …") so that nothing
 * resumes it there.
 */
import { UsageError } from "../errors.js";
import type { EndRecord, JournalRecord } from "../journal/records.js";
import { isLockBusy, type LockBusy, type RunLease, type Store } from "./store.js";

/** What {@link exportRun} moved. */
export interface ExportedRun {
  runId: string;
  records: number;
  events: number;
  deadLetters: number;
}

/**
 * Moves run `runId` from `from` to `to`. Fails with LockHeldError-like UsageError when the run is executing
 * (its lock is held) or when `to` already has a run with that id.
 *
 * @example
 * ```ts
 * const file = createFileStore({ dir: ".steplog" });
 * const pg = createPostgresStore({ connectionString: process.env.STEPLOG_DATABASE_URL });
 * await exportRun(file, "01J9Z3NDEKTSV4RRFFQ69G5FAV", pg);
 * ```
 */
export async function exportRun(from: Store, runId: string, to: Store): Promise<ExportedRun> {
  const run = await from.loadRun(runId);
  const { workflow, key } = run.header;
  if ((await to.getRun(runId)) !== undefined) throw new UsageError(`run ${runId} already exists in the ${to.description}`);
  const source = held(await from.lock(workflow, key, { onLocked: "fail" }), runId, from);
  try {
    const maxEpoch = run.records.reduce((max, r) => Math.max(max, r.epoch), 0);
    const target = await leaseAbove(to, workflow, key, maxEpoch, runId);
    try {
      const log = await to.createRun(run.header, { durability: "fsync", epoch: target.epoch });
      for (const record of run.records) log.append(record);
      await log.flush();
      await log.close();
      const consumed = new Set(run.records.flatMap((r) => (r.type === "event" && r.messageId !== null ? [r.messageId] : [])));
      const pending = (await from.inbox(runId)).filter((m) => !consumed.has(m.messageId));
      for (const message of pending) await to.sendEvent(runId, message.event, message.data, message.at);
      const cancel = await from.cancelRequest(runId);
      if (cancel) await to.requestCancel(runId, cancel.reason, cancel.at);
      const open = await from.dlq.list({ runId, status: "open" });
      for (const entry of open) await to.dlq.put(entry, entry.lastAt);
      await retire(from, runId, run.records, source.epoch, to.description);
      return { runId, records: run.records.length, events: pending.length, deadLetters: open.length };
    } finally {
      await target.release();
    }
  } finally {
    await source.release();
  }
}

function held(result: RunLease | LockBusy, runId: string, store: Store): RunLease {
  if (!isLockBusy(result)) return result;
  const owner = result.owner ? ` (pid ${result.owner.pid} on ${result.owner.host})` : "";
  throw new UsageError(`run ${runId} is executing in the ${store.description}${owner}; stop it before moving it`);
}

/** A lease of (workflow, key) in `store` whose epoch is above every epoch the moved records carry. */
async function leaseAbove(store: Store, workflow: string, key: string, epoch: number, runId: string): Promise<RunLease> {
  for (let tries = 0; tries <= epoch + 1; tries++) {
    const lease = held(await store.lock(workflow, key, { onLocked: "fail" }), runId, store);
    if (lease.epoch > epoch) return lease;
    await lease.release();
  }
  throw new UsageError(`could not take a lease above epoch ${epoch} for run ${runId} in the ${store.description}`);
}

/** Ends the source copy as cancelled, unless it already ended for good. */
async function retire(store: Store, runId: string, records: JournalRecord[], epoch: number, destination: string): Promise<void> {
  const end = [...records].reverse().find((r): r is EndRecord => r.type === "end");
  if (end && (end.status !== "failed" || end.compensated === true)) return;
  const { log } = await store.openRun(runId, { durability: "fsync", epoch });
  const record: EndRecord = { type: "end", status: "cancelled", error: { name: "RunMovedError", message: `moved to the ${destination}` }, epoch, at: Date.now() };
  await log.appendDurable(record);
  await log.close();
}
