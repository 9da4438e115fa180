/**
 * The record rules and the replay index of a journal, kept in one pass as its lines are read: memoized results
 * by step key, in-doubt steps, waits, events, patches, children, and the call order for strict mode.
 *
 * The rules every record must keep beyond its checksum: a known type, epochs that never go back (fencing), a
 * result only after its `started` in the same epoch, one result per step, nothing after a final `end`.
 *
 * A `started` record directly followed by its result (the usual case) is never put in a set of its own: the
 * result says that the step was started in the result's epoch. Only `started` records followed by something
 * else (attempts, concurrent steps, a crash) are remembered, by key, with their epoch.
 */
import { JournalCorruptError } from "../errors.js";
import {
  isRecordType,
  type CallKind, type ChildRecord, type EventRecord, type JournalRecord, type SleepRecord, type StartedRecord,
  type StepFailedRecord, type StepRecord, type WaitRecord,
} from "./records.js";

/** The record that first took a call number: what strict mode compares the code's calls with. */
export type CallRecord = StartedRecord | StepRecord | StepFailedRecord | SleepRecord | WaitRecord | EventRecord | ChildRecord;

/** The kind of call a {@link CallRecord} stands for. */
export function callKind(record: CallRecord): CallKind {
  switch (record.type) {
    case "started":
    case "step":
      return record.kind;
    case "step-failed":
      return "step";
    case "sleep":
      return "sleep";
    case "wait":
    case "event":
      return "event";
    case "child":
      return "child";
  }
}

/** The index of one run's records. */
export class RecordIndex {
  readonly results = new Map<string, StepRecord>();
  readonly sleeps = new Map<string, SleepRecord>();
  readonly waits = new Map<string, WaitRecord>();
  readonly events = new Map<string, EventRecord>();
  readonly consumedMessages = new Set<string>();
  readonly patches = new Map<string, boolean>();
  readonly children = new Map<string, ChildRecord>();
  readonly compensated = new Set<string>();
  /** Failed attempts per step key. */
  readonly failedAttempts = new Map<string, number>();
  /** Journaled calls by call number (seq). */
  readonly calls: (CallRecord | undefined)[] = [];
  cancelReason: string | null | undefined;
  /** Some step failed for good. */
  hadFailures = false;
  /** The highest epoch of any record. */
  epoch = 0;
  /** How many records were added. */
  count = 0;

  /** Keys whose `started` record was not directly followed by its result: the epoch of the latest one. */
  private readonly startedEpochs = new Map<string, number>();
  /** The last `started` record, until the next record shows whether its result directly followed it. */
  private pending: StartedRecord | undefined;
  private lastStartedSeq = 0;
  private finished = false;

  /** `file` names the journal in JournalCorruptError. */
  constructor(private readonly file: string) {}

  /** An index of records read before (no rules checked: they were checked when read). */
  static of(records: readonly JournalRecord[]): RecordIndex {
    const index = new RecordIndex("");
    for (const r of records) index.add(r);
    return index;
  }

  /** Steps started and never given a result: in doubt after a crash. */
  inDoubt(): Set<string> {
    const out = new Set<string>();
    for (const key of this.startedEpochs.keys()) if (!this.results.has(key)) out.add(key);
    if (this.pending !== undefined && !this.results.has(this.pending.key)) out.add(this.pending.key);
    return out;
  }

  /** Checks a parsed line (`line` is its line number) against the rules, then indexes it. */
  check(value: Record<string, unknown>, line: number): JournalRecord {
    const type = value.type;
    if (type !== "started" && type !== "step" && !isRecordType(type)) this.fail(line, `unknown record type ${JSON.stringify(type)}`);
    const epoch = value.epoch;
    if (typeof epoch !== "number") return this.fail(line, "the record has no epoch");
    if (epoch < this.epoch) this.fail(line, `a record of lock epoch ${epoch} follows one of epoch ${this.epoch} (a writer that had lost its lock)`);
    if (epoch > this.epoch) {
      this.epoch = epoch;
      this.lastStartedSeq = 0;
    }
    if (this.finished) this.fail(line, "a record follows the run's final end record");
    const record = value as unknown as JournalRecord;
    const pending = this.pending;
    switch (record.type) {
      case "started":
        if (record.seq <= this.lastStartedSeq) this.fail(line, `step call #${record.seq} is out of order`);
        this.lastStartedSeq = record.seq;
        if (pending !== undefined) this.startedEpochs.set(pending.key, pending.epoch);
        this.pending = record;
        this.note(record.seq, record);
        this.count++;
        return record;
      case "step": {
        const stepKind = record.kind === "step" || record.kind === "child";
        if (pending !== undefined) {
          this.pending = undefined;
          if (stepKind && pending.key === record.key && pending.epoch === epoch) {
            // The usual case: the result directly follows its started record.
            this.addResult(record, line);
            this.count++;
            return record;
          }
          this.startedEpochs.set(pending.key, pending.epoch);
        }
        if (stepKind && !this.startedInEpoch(record.key)) this.fail(line, `result of step '${record.key}' without its started record`);
        this.addResult(record, line);
        this.count++;
        return record;
      }
      case "attempt":
      case "step-failed":
        if (pending !== undefined) this.flushPending(pending);
        if (!this.startedInEpoch(record.key)) this.fail(line, `${record.type} of step '${record.key}' without its started record`);
        break;
      case "end":
        if (pending !== undefined) this.flushPending(pending);
        if (record.status !== "failed" || record.compensated === true) this.finished = true;
        break;
      default:
        if (pending !== undefined) this.flushPending(pending);
    }
    this.add(record);
    return record;
  }

  /** Indexes a record (no rules). */
  add(r: JournalRecord): void {
    this.count++;
    if (r.epoch > this.epoch) this.epoch = r.epoch;
    switch (r.type) {
      case "started":
        this.startedEpochs.set(r.key, r.epoch);
        this.note(r.seq, r);
        break;
      case "step":
        this.results.set(r.key, r);
        this.note(r.seq, r);
        break;
      case "attempt":
        this.failedAttempts.set(r.key, (this.failedAttempts.get(r.key) ?? 0) + 1);
        break;
      case "step-failed":
        this.hadFailures = true;
        this.note(r.seq, r);
        break;
      case "sleep":
        this.sleeps.set(r.key, r);
        this.note(r.seq, r);
        break;
      case "wait":
        this.waits.set(r.key, r);
        this.note(r.seq, r);
        break;
      case "event":
        this.events.set(r.key, r);
        if (r.messageId) this.consumedMessages.add(r.messageId);
        this.note(r.seq, r);
        break;
      case "patch":
        this.patches.set(r.key, r.patched);
        break;
      case "child":
        this.children.set(r.key, r);
        this.note(r.seq, r);
        break;
      case "compensate":
        this.compensated.add(r.key);
        break;
      case "cancel":
        this.cancelReason = r.reason;
        break;
    }
  }

  /** Adds a checked result: one per step key. */
  private addResult(record: StepRecord, line: number): void {
    const results = this.results;
    const size = results.size;
    results.set(record.key, record);
    // A key already there leaves the size as it was (the index is thrown away with the error).
    if (results.size === size) this.fail(line, `a second result for step '${record.key}'`);
    this.note(record.seq, record);
  }

  private flushPending(pending: StartedRecord): void {
    this.startedEpochs.set(pending.key, pending.epoch);
    this.pending = undefined;
  }

  /** A `started` record of `key` was read in the current epoch. */
  private startedInEpoch(key: string): boolean {
    if (this.startedEpochs.get(key) === this.epoch) return true;
    // A started record directly followed by its result was not kept: a step result of this epoch stands for it.
    const result = this.results.get(key);
    return result !== undefined && result.epoch === this.epoch && (result.kind === "step" || result.kind === "child");
  }

  private note(seq: number, record: CallRecord): void {
    if (this.calls[seq] === undefined) this.calls[seq] = record;
  }

  private fail(line: number, reason: string): never {
    throw new JournalCorruptError(this.file, line, reason);
  }
}

const attached = new WeakMap<readonly JournalRecord[], RecordIndex>();

/** Keeps the index built while `records` were read, for the replay state made from them. */
export function attachIndex(records: readonly JournalRecord[], index: RecordIndex): void {
  attached.set(records, index);
}

/**
 * The index built while `records` were read, handed out once (the replay state changes it as the run goes on);
 * undefined when there is none or the array was changed since.
 */
export function takeIndex(records: readonly JournalRecord[]): RecordIndex | undefined {
  const index = attached.get(records);
  if (index === undefined) return undefined;
  attached.delete(records);
  return index.count === records.length ? index : undefined;
}
