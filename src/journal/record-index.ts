/**
 * The record rules and the replay index of a journal, kept in one pass as its lines are read: step results by
 * key, in-doubt steps, waits, events, patches, children, and the journaled calls by number for strict mode.
 *
 * The rules every record must keep beyond its checksum: a known type, epochs that never go back (fencing), a
 * result only after its `started` in the same epoch, one result per step, nothing after a final `end`.
 *
 * Cheap to build for large runs: a `started` record directly followed by its result (the usual case) is never
 * put in a set of its own (the result says that the step was started in the result's epoch), and results and
 * calls refer to their records by place in the records array (numbers, which the garbage collector does not
 * trace) instead of holding them.
 */
import { JournalCorruptError } from "../errors.js";
import {
  isRecordType,
  type CallKind, type ChildRecord, type EventRecord, type JournalRecord, type SleepRecord, type StartedRecord,
  type StepFailedRecord, type StepRecord, type WaitRecord,
} from "./records.js";

/** The record that holds a call number: what strict mode compares the code's calls with. */
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

/** Call numbers below this are kept in a table (4 bytes each, grown as needed); others in a map. */
const CALL_TABLE_LIMIT = 1 << 22;

/** True when `record` takes the call number from `held`: it is the result of that started record. */
function replaces(held: CallRecord, record: CallRecord): boolean {
  return record.type === "step" && held.type === "started" && held.key === record.key && held.kind === record.kind;
}

/** The index of one run's records. */
export class RecordIndex {
  /** Each step result's place in {@link records}, by step key. */
  readonly results = new Map<string, number>();
  readonly sleeps = new Map<string, SleepRecord>();
  readonly waits = new Map<string, WaitRecord>();
  readonly events = new Map<string, EventRecord>();
  readonly consumedMessages = new Set<string>();
  readonly patches = new Map<string, boolean>();
  readonly children = new Map<string, ChildRecord>();
  readonly compensated = new Set<string>();
  /** Failed attempts per step key. */
  readonly failedAttempts = new Map<string, number>();
  cancelReason: string | null | undefined;
  /** Some step failed for good. */
  hadFailures = false;
  /** The highest epoch of any record. */
  epoch = 0;
  /** The highest call number recorded. */
  lastSeq = 0;
  /** How many records were indexed. */
  count = 0;

  /** By call number below {@link CALL_TABLE_LIMIT}: 1 + the place of the record that holds it (0: none). */
  private calls = new Int32Array(1024);
  /** Any other call numbers (not an integer, negative, or very large). */
  private readonly otherCalls = new Map<unknown, number>();
  /** Keys whose `started` record was not directly followed by its result: the epoch of the latest one. */
  private readonly startedEpochs = new Map<string, number>();
  /** The last `started` record, until the next record shows whether its result directly followed it. */
  private pending: StartedRecord | undefined;
  private lastStartedSeq = 0;
  private finished = false;

  /**
   * An index of `records`; {@link check} appends to them. `file` names the journal in JournalCorruptError.
   */
  constructor(
    private readonly file: string,
    readonly records: JournalRecord[] = [],
  ) {}

  /** An index of records read before (no rules checked: they were checked when read). */
  static of(records: readonly JournalRecord[]): RecordIndex {
    const index = new RecordIndex("", records as JournalRecord[]);
    for (let place = 0; place < records.length; place++) index.add(records[place]!, place);
    index.count = records.length;
    return index;
  }

  /** Steps started and never given a result: in doubt after a crash. */
  inDoubt(): Set<string> {
    const out = new Set<string>();
    for (const key of this.startedEpochs.keys()) if (!this.results.has(key)) out.add(key);
    if (this.pending !== undefined && !this.results.has(this.pending.key)) out.add(this.pending.key);
    return out;
  }

  /** The record that holds call number `seq`: the step's result if it has one, else the first with that number. */
  callAt(seq: number): CallRecord | undefined {
    const calls = this.calls;
    const held = seq >= 0 && seq < calls.length ? calls[seq]! : this.otherCalls.get(seq) ?? 0;
    return held === 0 ? undefined : (this.records[held - 1] as CallRecord);
  }

  /** The recorded calls in call number order. */
  *allCalls(): Generator<CallRecord> {
    const last = Math.min(this.lastSeq, this.calls.length - 1);
    for (let seq = 0; seq <= last; seq++) {
      const call = this.callAt(seq);
      if (call !== undefined) yield call;
    }
    const rest = [...this.otherCalls.keys()].filter((seq): seq is number => typeof seq === "number" && Number.isInteger(seq) && seq >= 0);
    for (const seq of rest.sort((a, b) => a - b)) yield this.callAt(seq)!;
  }

  /** Checks a parsed line (`line` is its line number) against the rules, then adds it to the records. */
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
    const place = this.records.length;
    switch (record.type) {
      case "started":
        if (record.seq <= this.lastStartedSeq) this.fail(line, `step call #${record.seq} is out of order`);
        this.lastStartedSeq = record.seq;
        if (pending !== undefined) this.startedEpochs.set(pending.key, pending.epoch);
        this.pending = record;
        this.note(record.seq, place, record);
        break;
      case "step": {
        const stepKind = record.kind === "step" || record.kind === "child";
        if (pending !== undefined) {
          this.pending = undefined;
          // The usual case, a result directly after its started record, needs no look-up.
          if (!stepKind || pending.key !== record.key || pending.epoch !== epoch) {
            this.startedEpochs.set(pending.key, pending.epoch);
            if (stepKind && !this.startedInEpoch(record.key)) this.fail(line, `result of step '${record.key}' without its started record`);
          }
        } else if (stepKind && !this.startedInEpoch(record.key)) {
          this.fail(line, `result of step '${record.key}' without its started record`);
        }
        const results = this.results;
        const size = results.size;
        results.set(record.key, place);
        // A key already there leaves the size as it was (the index is thrown away with the error).
        if (results.size === size) this.fail(line, `a second result for step '${record.key}'`);
        this.note(record.seq, place, record);
        break;
      }
      case "attempt":
      case "step-failed":
        if (pending !== undefined) this.flushPending(pending);
        if (!this.startedInEpoch(record.key)) this.fail(line, `${record.type} of step '${record.key}' without its started record`);
        this.add(record, place);
        break;
      case "end":
        if (pending !== undefined) this.flushPending(pending);
        if (record.status !== "failed" || record.compensated === true) this.finished = true;
        this.add(record, place);
        break;
      default:
        if (pending !== undefined) this.flushPending(pending);
        this.add(record, place);
    }
    this.records.push(record);
    this.count++;
    return record;
  }

  /** Indexes the record at `place` (no rules). */
  private add(r: JournalRecord, place: number): void {
    if (r.epoch > this.epoch) this.epoch = r.epoch;
    switch (r.type) {
      case "started":
        this.startedEpochs.set(r.key, r.epoch);
        this.note(r.seq, place, r);
        break;
      case "step":
        this.results.set(r.key, place);
        this.note(r.seq, place, r);
        break;
      case "attempt":
        this.failedAttempts.set(r.key, (this.failedAttempts.get(r.key) ?? 0) + 1);
        break;
      case "step-failed":
        this.hadFailures = true;
        this.note(r.seq, place, r);
        break;
      case "sleep":
        this.sleeps.set(r.key, r);
        this.note(r.seq, place, r);
        break;
      case "wait":
        this.waits.set(r.key, r);
        this.note(r.seq, place, r);
        break;
      case "event":
        this.events.set(r.key, r);
        if (r.messageId) this.consumedMessages.add(r.messageId);
        this.note(r.seq, place, r);
        break;
      case "patch":
        this.patches.set(r.key, r.patched);
        break;
      case "child":
        this.children.set(r.key, r);
        this.note(r.seq, place, r);
        break;
      case "compensate":
        this.compensated.add(r.key);
        break;
      case "cancel":
        this.cancelReason = r.reason;
        break;
    }
  }

  /**
   * The record at `place` has call number `seq`: it holds the number if none does yet, or (a result) if its own
   * started record does, so replay finds a result by its number.
   */
  private note(seq: number, place: number, record: CallRecord): void {
    if (typeof seq !== "number" || !(seq >= 0 && seq < CALL_TABLE_LIMIT) || !Number.isInteger(seq)) {
      const held = this.otherCalls.get(seq);
      if (held === undefined || replaces(this.records[held - 1] as CallRecord, record)) this.otherCalls.set(seq, place + 1);
      if (typeof seq === "number" && Number.isInteger(seq) && seq > this.lastSeq) this.lastSeq = seq;
      return;
    }
    let calls = this.calls;
    if (seq >= calls.length) {
      let length = calls.length * 2;
      while (length <= seq) length *= 2;
      const bigger = new Int32Array(length);
      bigger.set(calls);
      this.calls = calls = bigger;
    }
    const held = calls[seq]!;
    if (held === 0 || replaces(this.records[held - 1] as CallRecord, record)) calls[seq] = place + 1;
    if (seq > this.lastSeq) this.lastSeq = seq;
  }

  private flushPending(pending: StartedRecord): void {
    this.startedEpochs.set(pending.key, pending.epoch);
    this.pending = undefined;
  }

  /** A `started` record of `key` was read in the current epoch. */
  private startedInEpoch(key: string): boolean {
    if (this.startedEpochs.get(key) === this.epoch) return true;
    // A started record directly followed by its result was not kept: a step result of this epoch stands for it.
    const place = this.results.get(key);
    if (place === undefined) return false;
    const result = this.records[place] as StepRecord;
    return result.epoch === this.epoch && (result.kind === "step" || result.kind === "child");
  }

  private fail(line: number, reason: string): never {
    throw new JournalCorruptError(this.file, line, reason);
  }
}

const attached = new WeakMap<readonly JournalRecord[], RecordIndex>();

/** Keeps the index built while `records` were read, for the replay state made from them. */
export function attachIndex(index: RecordIndex): void {
  attached.set(index.records, index);
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
