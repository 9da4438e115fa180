/**
 * What a run's journal says, as a timeline: one entry per journaled call in call order, with its status,
 * attempts, duration, errors, waits and marks (replayed, in doubt, orphaned). Used by `inspect` and `status`.
 */
import type { CallKind, EndRecord, JournalRecord, StoredError, SuspendRecord } from "../journal/records.js";
import type { LoadedRun } from "../store/store.js";

/** Where a call stands in the journal. */
export type CallStatus = "ok" | "failed" | "in-doubt" | "sleeping" | "slept" | "waiting" | "received" | "timed-out" | "patch";

/** One journaled call of a run. */
export interface TimelineCall {
  seq: number;
  key: string;
  kind: CallKind;
  status: CallStatus;
  startedAt?: number;
  endedAt?: number;
  ms?: number;
  attempts: number;
  /** Errors of failed attempts, oldest first; the last one is the step's error when it failed for good. */
  errors: StoredError[];
  /** Its result was recorded by an earlier process and replayed by a later one. */
  replayed: boolean;
  /** A later process recorded a different call at the same call number: the code no longer reaches it there. */
  orphaned: boolean;
  wait?: { event?: string; until: number | null };
  childRunId?: string;
  patched?: boolean;
  compensated?: { error?: StoredError };
  /** Order of first appearance, to keep patch points after the call before them. */
  order: number;
}

/** A run's timeline and how it stands. */
export interface Timeline {
  status: "running" | "waiting" | "completed" | "failed" | "cancelled";
  startedAt: number;
  lastAt: number;
  calls: TimelineCall[];
  end?: EndRecord;
  suspend?: SuspendRecord;
  cancel?: { reason: string | null };
  /** How many processes executed the run (lock epochs seen). */
  executions: number;
  /** The code hash of the last execution that ended or suspended the run, when it recorded one. */
  lastCodeHash?: string;
}

/**
 * Builds the timeline of a loaded run.
 *
 * @example
 * ```ts
 * const t = buildTimeline(await store.loadRun(runId));
 * for (const call of t.calls) console.log(call.seq, call.key, call.status);
 * ```
 */
export function buildTimeline(run: LoadedRun): Timeline {
  const calls = new Map<string, TimelineCall>();
  const bySeq = new Map<number, { key: string; epoch: number }[]>();
  const epochs = new Set<number>();
  let end: EndRecord | undefined;
  let suspend: SuspendRecord | undefined;
  let cancel: { reason: string | null } | undefined;
  let lastAt = run.header.startedAt;
  const call = (key: string, seq: number, kind: CallKind, epoch: number): TimelineCall => {
    let c = calls.get(key);
    if (c === undefined) {
      c = { seq, key, kind, status: "in-doubt", attempts: 0, errors: [], replayed: false, orphaned: false, order: calls.size };
      calls.set(key, c);
    }
    const seen = bySeq.get(seq) ?? [];
    if (!seen.some((s) => s.key === key)) seen.push({ key, epoch });
    bySeq.set(seq, seen);
    return c;
  };
  const resultEpochs = new Map<string, number>();
  for (const r of run.records) {
    epochs.add(r.epoch);
    lastAt = Math.max(lastAt, r.at);
    applyRecord(r);
  }
  function applyRecord(r: JournalRecord): void {
    switch (r.type) {
      case "started": {
        const c = call(r.key, r.seq, r.kind, r.epoch);
        c.startedAt = r.at;
        c.status = "in-doubt";
        break;
      }
      case "step": {
        const c = call(r.key, r.seq, r.kind, r.epoch);
        Object.assign(c, { status: "ok", endedAt: r.at, ms: r.ms, attempts: r.attempts });
        c.startedAt ??= r.at - r.ms;
        resultEpochs.set(r.key, r.epoch);
        break;
      }
      case "attempt": {
        const c = calls.get(r.key);
        c?.errors.push(r.error);
        break;
      }
      case "step-failed": {
        const c = call(r.key, r.seq, "step", r.epoch);
        Object.assign(c, { status: "failed", endedAt: r.at, attempts: r.attempts });
        if (c.startedAt !== undefined) c.ms = r.at - c.startedAt;
        if (c.errors.at(-1)?.message !== r.error.message) c.errors.push(r.error);
        break;
      }
      case "sleep": {
        const c = call(r.key, r.seq, "sleep", r.epoch);
        Object.assign(c, { status: "sleeping", startedAt: r.at, wait: { until: r.until } });
        break;
      }
      case "wait": {
        const c = call(r.key, r.seq, "event", r.epoch);
        Object.assign(c, { status: "waiting", startedAt: r.at, wait: { event: r.event, until: r.until } });
        break;
      }
      case "event": {
        const c = call(r.key, r.seq, "event", r.epoch);
        Object.assign(c, { status: r.timedOut ? "timed-out" : "received", endedAt: r.at });
        c.wait ??= { event: r.event, until: null };
        c.startedAt ??= r.at;
        break;
      }
      case "patch": {
        const c = call(r.key, r.seq, "patch", r.epoch);
        Object.assign(c, { status: "patch", patched: r.patched, startedAt: r.at, endedAt: r.at });
        break;
      }
      case "child":
        call(r.key, r.seq, "child", r.epoch).childRunId = r.childRunId;
        break;
      case "compensate": {
        const c = calls.get(r.key);
        if (c) c.compensated = r.error ? { error: r.error } : {};
        break;
      }
      case "cancel":
        cancel = { reason: r.reason };
        break;
      case "suspend":
        suspend = r;
        break;
      case "end":
        end = r;
        break;
    }
  }
  const lastEpoch = Math.max(0, ...epochs);
  const list = [...calls.values()].sort((a, b) => a.seq - b.seq || a.order - b.order);
  const reported = new Set((end ?? suspend)?.orphaned ?? []);
  for (const c of list) {
    if (c.status === "sleeping" && c.wait && c.wait.until !== null && (c.wait.until <= lastAt || hasLaterCall(list, c))) c.status = "slept";
    const epoch = bySeq.get(c.seq)?.find((s) => s.key === c.key)?.epoch ?? 0;
    c.orphaned = reported.has(c.key) || (c.kind !== "patch" && (bySeq.get(c.seq) ?? []).some((s) => s.key !== c.key && s.epoch > epoch));
    const resultEpoch = resultEpochs.get(c.key);
    c.replayed = !c.orphaned && resultEpoch !== undefined && resultEpoch < lastEpoch;
  }
  const last = run.records.at(-1);
  const status: Timeline["status"] = end ? end.status : last?.type === "suspend" ? "waiting" : "running";
  const timeline: Timeline = { status, startedAt: run.header.startedAt, lastAt, calls: list, executions: epochs.size };
  if (end) timeline.end = end;
  if (suspend && status === "waiting") timeline.suspend = suspend;
  if (cancel) timeline.cancel = cancel;
  const lastCodeHash = (end ?? suspend)?.codeHash;
  if (lastCodeHash !== undefined) timeline.lastCodeHash = lastCodeHash;
  return timeline;
}

function hasLaterCall(list: TimelineCall[], c: TimelineCall): boolean {
  return list.some((o) => o.seq > c.seq && o.kind !== "patch");
}
