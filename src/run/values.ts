/**
 * `ctx.now()`, `ctx.random()`, `ctx.uuid()` and `ctx.patched(id)`: values journaled on first execution and
 * read back on replay, so that replay takes the same path.
 */
import type { CallKind, PatchRecord, StepRecord } from "../journal/records.js";
import type { ActiveRun } from "./active-run.js";

/** Journals a value computed once (no retries, no policies: these cannot fail). */
export async function journaledValue<T extends number | string>(run: ActiveRun, kind: CallKind, compute: () => T): Promise<T> {
  const key = run.state.nextKey(`$${kind}`);
  const seq = run.state.nextSeq(kind, key, run.options.strict);
  const recorded = run.state.results.get(key);
  if (recorded !== undefined) return recorded.out.json as T;
  const value = compute();
  const record = run.record<StepRecord>({ type: "step", key, seq, kind, out: { json: value }, attempts: 1, ms: 0 });
  const durable = run.log.appendDurable(record);
  if (durable !== undefined) await durable;
  run.state.results.set(key, record);
  return value;
}

/** `ctx.now()`. */
export const journaledNow = (run: ActiveRun) => journaledValue(run, "now", () => run.options.clock.now());
/** `ctx.random()`. */
export const journaledRandom = (run: ActiveRun) => journaledValue(run, "random", () => Math.random());
/** `ctx.uuid()`. */
export const journaledUuid = (run: ActiveRun) => journaledValue(run, "uuid", () => globalThis.crypto.randomUUID());

/**
 * `ctx.patched(id)`: a run that reaches the patch point for the first time records `true` if it has no recorded
 * steps past this point (a new run), `false` when it is replaying a run recorded before the patch existed.
 */
export async function patched(run: ActiveRun, id: string): Promise<boolean> {
  const key = run.state.nextKey(`$patch:${id}`);
  const seq = run.state.currentSeq;
  const recorded = run.state.patches.get(key);
  if (recorded !== undefined) return recorded;
  // Replaying a run recorded before the patch: later calls of the journal exist beyond this point.
  const value = !run.state.hasRecordedCallsAfter(seq);
  const durable = run.log.appendDurable(run.record<PatchRecord>({ type: "patch", key, seq, patched: value }));
  if (durable !== undefined) await durable;
  run.state.patches.set(key, value);
  return value;
}
