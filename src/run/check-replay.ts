/**
 * Offline replay of a saved journal against the current workflow code, executing no step: the workflow function
 * runs with a context whose calls return recorded values, checked in strict order (key and kind of every call),
 * and the replay stops at the first call the journal has no result for. Used by `steplog check`.
 */
import type { ChildOptions, MapOptions, MapResult, StepContext, WaitForEventOptions, WorkflowContext } from "../context.js";
import { EventTimeoutError, NonDeterminismError, messageOf } from "../errors.js";
import type { CallKind, JournalRecord, RunHeader } from "../journal/records.js";
import { decodeValue } from "../journal/values.js";
import type { WorkflowFunction } from "../workflow-definition.js";
import type { Workflow } from "../workflow.js";
import { ReplayState } from "./replay-state.js";

/** The verdict on one journal. */
export type ReplayCheck =
  | { compatible: true; reachedEnd: boolean; checkedCalls: number; unreached: string[]; stoppedAt?: { seq: number; key: string; kind: CallKind } }
  | { compatible: false; message: string; seq?: number };

/** Options of {@link checkReplay}. */
export interface CheckReplayOptions {
  /**
   * Give up when the workflow function neither returns nor calls the context for this long.
   * @default 10_000
   */
  idleTimeoutMs?: number;
}

/**
 * Replays `records` (of the run `header`) against `fn` without executing any step.
 *
 * @example
 * ```ts
 * const verdict = await checkReplay(definitionOf(wf).fn, journal.header, journal.records);
 * if (!verdict.compatible) console.error(verdict.message);
 * ```
 */
export async function checkReplay(fn: WorkflowFunction<unknown, unknown>, header: RunHeader, records: readonly JournalRecord[], options: CheckReplayOptions = {}): Promise<ReplayCheck> {
  const state = new ReplayState(records);
  let settle!: (verdict: ReplayCheck) => void;
  const verdict = new Promise<ReplayCheck>((resolve) => (settle = resolve));
  let stopped: { seq: number; key: string; kind: CallKind } | undefined;
  let calls = 0;
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => settle({ compatible: false, message: `the workflow function neither returned nor called the context for ${options.idleTimeoutMs ?? 10_000} ms (does it wait for something outside steplog?)` }), options.idleTimeoutMs ?? 10_000);
  };
  const hang = new Promise<never>(() => undefined);
  const finishStopped = () =>
    setImmediate(() => settle({ compatible: true, reachedEnd: false, checkedCalls: calls, unreached: state.orphaned(), ...(stopped ? { stoppedAt: stopped } : {}) }));
  /** Assigns the call number; a divergence or a call without a recorded result ends the replay. */
  const enter = (kind: CallKind, key: string, hasResult: (k: string) => boolean): boolean => {
    touch();
    let seq: number;
    try {
      seq = state.nextSeq(kind, key, true);
    } catch (error) {
      settle({ compatible: false, message: messageOf(error), seq: state.currentSeq });
      return false;
    }
    calls++;
    if (hasResult(key)) return true;
    if (stopped === undefined) {
      stopped = { seq, key, kind };
      finishStopped();
    }
    return false;
  };
  const result = (key: string) => state.results.has(key);
  const value = <T>(kind: CallKind, name: string): Promise<T> => {
    const key = state.nextKey(name);
    return enter(kind, key, result) ? Promise.resolve(decodeValue(state.results.get(key)!.out) as T) : hang;
  };
  const ctx: WorkflowContext = {
    runId: header.runId, workflow: header.workflow, key: header.key,
    step: <T>(name: string) => value<T>("step", name),
    sleep: (name: string) => sleepCall(name),
    sleepUntil: (name: string) => sleepCall(name),
    waitForEvent: <T>(name: string, _options?: WaitForEventOptions<T>) => {
      const key = state.nextKey(name);
      if (!enter("event", key, (k) => state.events.has(k))) return hang;
      const event = state.events.get(key)!;
      return event.timedOut ? Promise.reject(new EventTimeoutError(`waiting for event '${name}' (${key}) timed out`)) : Promise.resolve(decodeValue(event.data) as T);
    },
    now: () => value<number>("now", "$now"),
    random: () => value<number>("random", "$random"),
    uuid: () => value<string>("uuid", "$uuid"),
    patched: async (id: string) => {
      touch();
      const key = state.nextKey(`$patch:${id}`);
      return state.patches.get(key) ?? !state.hasRecordedCallsAfter(state.currentSeq);
    },
    child: <I, O>(wf: Workflow<I, O>, _input: I, _options?: ChildOptions) => value<O>("child", `$child:${wf.name}`),
    map: async <T, R>(name: string, items: readonly T[], _fn: (item: T, index: number, step: StepContext) => R | Promise<R>, _options?: MapOptions<Awaited<R>>) => {
      const base = state.nextKey(name);
      const keys = items.map((_, i) => `${base}[${i}]`);
      const ok = keys.map((key) => (state.reached.add(key), enter("step", key, result)));
      if (!ok.every(Boolean)) return hang;
      return { results: keys.map((key) => decodeValue(state.results.get(key)!.out)), failed: [] } as MapResult<Awaited<R>>;
    },
  };
  function sleepCall(name: string): Promise<void> {
    const key = state.nextKey(name);
    return enter("sleep", key, (k) => state.sleeps.has(k)) ? Promise.resolve() : hang;
  }
  touch();
  const body = Promise.resolve()
    .then(() => fn(ctx, decodeValue(header.input)))
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  void body.then((thrown) => {
    if (stopped !== undefined) return;
    try {
      state.checkNoMissingCalls();
    } catch (error) {
      if (error instanceof NonDeterminismError) return settle({ compatible: false, message: error.message, seq: state.currentSeq + 1 });
    }
    settle({ compatible: true, reachedEnd: true, checkedCalls: calls, unreached: thrown === undefined ? [] : state.orphaned() });
  });
  try {
    return await verdict;
  } finally {
    clearTimeout(idle);
  }
}
