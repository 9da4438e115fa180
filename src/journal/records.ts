/**
 * Journal format v1: the header and the tagged records of one run. One JSON object per line; payloads are
 * superjson-encoded (`{ json, meta? }`). Field names are part of the on-disk contract: add, never rename.
 */

/** The journal format version this build reads and writes. */
export const JOURNAL_VERSION = 1;

/** A superjson-encoded value: `meta` is absent for plain JSON. */
export interface EncodedValue {
  json: unknown;
  meta?: unknown;
}

/** An error as stored in the journal and the DLQ. */
export interface StoredError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: StoredError;
}

/** How the run was started, so that `steplog resume` can start it again. */
export interface EntryPoint {
  script: string | null;
  argv: string[];
  cwd: string;
  execPath: string;
  execArgv: string[];
}

/** First line of every journal. */
export interface RunHeader {
  v: number;
  type: "run";
  runId: string;
  workflow: string;
  key: string;
  input: EncodedValue;
  codeHash: string;
  entry: EntryPoint;
  host: string;
  pid: number;
  startedAt: number;
  /** Set when the run is a child of another run. */
  parent?: { runId: string; stepKey: string };
  /** Set when the run was forked from another run: from a step on, or only the listed steps run again. */
  forkOf?: { runId: string; fromStep?: string; steps?: string[] };
}

/** The kinds of journaled calls, compared in strict mode. */
export type CallKind = "step" | "now" | "random" | "uuid" | "sleep" | "event" | "patch" | "child";

interface Base {
  /** Epoch of the lock holder that wrote the record (fencing token). */
  epoch: number;
  /** Wall-clock time of writing, ms since the epoch. */
  at: number;
}

/** A step is about to run (not fsynced). A `started` without a result is *in doubt* after a crash. */
export interface StartedRecord extends Base {
  type: "started";
  key: string;
  seq: number;
  kind: CallKind;
}

/** A step completed; its output is memoized. */
export interface StepRecord extends Base {
  type: "step";
  key: string;
  seq: number;
  kind: CallKind;
  out: EncodedValue;
  attempts: number;
  ms: number;
}

/** One failed attempt of a step. */
export interface AttemptRecord extends Base {
  type: "attempt";
  key: string;
  attempt: number;
  error: StoredError;
  /** The delay before the next attempt, or null when no retry follows. */
  delayMs: number | null;
}

/** A step failed for good (it went to the DLQ). */
export interface StepFailedRecord extends Base {
  type: "step-failed";
  key: string;
  seq: number;
  attempts: number;
  error: StoredError;
}

/** A durable sleep: the wake time. */
export interface SleepRecord extends Base {
  type: "sleep";
  key: string;
  seq: number;
  until: number;
}

/** A wait for an external event started (`until` is the timeout, if any). */
export interface WaitRecord extends Base {
  type: "wait";
  key: string;
  seq: number;
  event: string;
  until: number | null;
}

/** An awaited event arrived and was consumed (or the wait timed out, with `timedOut`). */
export interface EventRecord extends Base {
  type: "event";
  key: string;
  seq: number;
  event: string;
  data: EncodedValue;
  /** Identity of the consumed inbox message. */
  messageId: string | null;
  timedOut?: boolean;
}

/** The answer of `ctx.patched(id)` for this run. */
export interface PatchRecord extends Base {
  type: "patch";
  key: string;
  seq: number;
  patched: boolean;
}

/** A child run was started (its result comes as a `step` record with kind "child"). */
export interface ChildRecord extends Base {
  type: "child";
  key: string;
  seq: number;
  childRunId: string;
  workflow: string;
}

/** A compensation of a completed step ran. */
export interface CompensateRecord extends Base {
  type: "compensate";
  key: string;
  error?: StoredError;
}

/** The run was asked to stop. */
export interface CancelRecord extends Base {
  type: "cancel";
  reason: string | null;
}

/** The run stopped for now, waiting for a wake time or an event; it is not finished. */
export interface SuspendRecord extends Base, ExecutionSummary {
  type: "suspend";
  wait: { kind: "sleep" | "event"; key: string; event?: string; until: number | null };
}

/** What an execution that ends or suspends the run says about the code that ran it. */
export interface ExecutionSummary {
  /** Hash of the workflow function that ran this execution (differs from the header's after a code change). */
  codeHash?: string;
  /** Recorded calls this execution's code did not reach (kept in the journal, never deleted). */
  orphaned?: string[];
}

/** The run finished. */
export interface EndRecord extends Base, ExecutionSummary {
  type: "end";
  status: "completed" | "failed" | "cancelled";
  out?: EncodedValue;
  error?: StoredError;
  /** A failed run whose compensations ran: it is final and never resumed. */
  compensated?: boolean;
}

/** Every record that may follow the header. */
export type JournalRecord =
  | StartedRecord
  | StepRecord
  | AttemptRecord
  | StepFailedRecord
  | SleepRecord
  | WaitRecord
  | EventRecord
  | PatchRecord
  | ChildRecord
  | CompensateRecord
  | CancelRecord
  | SuspendRecord
  | EndRecord;

/** The type tags of {@link JournalRecord}. */
export type RecordType = JournalRecord["type"];

const RECORD_TYPES: ReadonlySet<string> = new Set<RecordType>([
  "started", "step", "attempt", "step-failed", "sleep", "wait", "event", "patch", "child", "compensate",
  "cancel", "suspend", "end",
]);

/** True when `type` is a record type this version knows. */
export function isRecordType(type: unknown): type is RecordType {
  return typeof type === "string" && RECORD_TYPES.has(type);
}

/**
 * The run's last `end` record, if it has one.
 *
 * @example
 * ```ts
 * const end = lastEnd((await store.loadRun(runId)).records);
 * ```
 */
export function lastEnd(records: readonly { type: string }[]): EndRecord | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i]!;
    if (record.type === "end") return record as EndRecord;
  }
  return undefined;
}

/**
 * True when the run ended for good (completed, cancelled, or failed with its compensations run): it is never
 * resumed, and opening it changes nothing.
 *
 * @example
 * ```ts
 * if (endedForGood(run.records)) console.log("nothing to resume");
 * ```
 */
export function endedForGood(records: readonly { type: string }[]): boolean {
  const end = lastEnd(records);
  return end !== undefined && (end.status !== "failed" || end.compensated === true);
}
