/**
 * What a run's journal says, indexed for replay: memoized results by step key, in-doubt steps, waits, events,
 * patches, and the call order for strict mode. Also hands out step keys (`name`, `name#2`, …) and call numbers.
 */
import { NonDeterminismError } from "../errors.js";
import { RecordIndex, callKind, takeIndex, type CallRecord } from "../journal/record-index.js";
import type {
  CallKind, ChildRecord, EventRecord, JournalRecord, SleepRecord, StepRecord, WaitRecord,
} from "../journal/records.js";

interface Call {
  kind: CallKind;
  key: string;
}

/** The replay index of one run. */
export class ReplayState {
  readonly results: StepResults;
  /** Steps started and never given a result (in doubt after a crash). */
  readonly started: ReadonlySet<string>;
  readonly sleeps: Map<string, SleepRecord>;
  readonly waits: Map<string, WaitRecord>;
  readonly events: Map<string, EventRecord>;
  readonly consumedMessages: Set<string>;
  readonly patches: Map<string, boolean>;
  readonly children: Map<string, ChildRecord>;
  readonly compensated: Set<string>;
  /** Failed attempts so far per step key (across reruns), for numbering attempts. */
  readonly failedAttempts: Map<string, number>;
  /** The journal's records and calls by number, for strict mode and for finding results by call number. */
  private readonly index: RecordIndex;
  private readonly nameCounts = new Map<string, number>();
  private seq = 0;
  /** Keys the code reached during this execution. */
  readonly reached = new ReachedKeys(this.nameCounts);
  cancelReason: string | null | undefined;
  /** Some step of this run failed for good (its DLQ entries are resolved when the run completes). */
  hadFailures = false;

  /** The state of a run with these records: the index the journal reader built for them, or a new one. */
  constructor(records: readonly JournalRecord[]) {
    const index = takeIndex(records) ?? RecordIndex.of(records);
    this.index = index;
    this.results = new StepResults(index);
    this.started = index.inDoubt();
    this.sleeps = index.sleeps;
    this.waits = index.waits;
    this.events = index.events;
    this.consumedMessages = index.consumedMessages;
    this.patches = index.patches;
    this.children = index.children;
    this.compensated = index.compensated;
    this.failedAttempts = index.failedAttempts;
    this.cancelReason = index.cancelReason;
    this.hadFailures = index.hadFailures;
  }

  /** The key of the next call named `name`: `name`, then `name#2`, `name#3`, … */
  nextKey(name: string): string {
    const n = (this.nameCounts.get(name) ?? 0) + 1;
    this.nameCounts.set(name, n);
    return n === 1 ? name : `${name}#${n}`;
  }

  /**
   * The recorded result of the call `key` numbered `seq`: found by its number when the code makes the calls in
   * the recorded order (no lookup by key), else by key.
   */
  recorded(key: string, seq: number): StepRecord | undefined {
    const call = this.index.callAt(seq);
    if (call !== undefined && call.type === "step" && call.key === key) return call;
    return this.results.get(key);
  }

  /** The number of the next call, and in strict mode the check that the journal has the same call there. */
  nextSeq(kind: CallKind, key: string, strict: boolean): number {
    const seq = ++this.seq;
    if (strict) {
      const recorded = this.index.callAt(seq);
      if (recorded !== undefined && (recorded.key !== key || callKind(recorded) !== kind)) {
        throw new NonDeterminismError(
          `journal has ${describeCall(recorded)} at #${seq}, code called ${describeCall({ kind, key })}; ` +
            `the workflow code changed under an unfinished run. Revert the change, guard it with ctx.patched(), or start a new run with --fresh`,
        );
      }
    }
    return seq;
  }

  /** The number of the last call made so far (patch points do not take a number). */
  get currentSeq(): number {
    return this.seq;
  }

  /** True when the journal has calls numbered after `seq` (the run was recorded further than this point). */
  hasRecordedCallsAfter(seq: number): boolean {
    return this.index.lastSeq > seq;
  }

  /** The recorded calls the code did not reach (orphaned). */
  orphaned(): string[] {
    const out: string[] = [];
    for (const call of this.index.allCalls()) if (!this.reached.has(call.key)) out.push(call.key);
    return out;
  }

  /** In strict mode at the end of a run: a recorded call the code no longer makes is a divergence. */
  checkNoMissingCalls(): void {
    const seq = this.seq + 1;
    const recorded = this.index.callAt(seq);
    if (recorded !== undefined) {
      throw new NonDeterminismError(
        `journal has ${describeCall(recorded)} at #${seq}, but the code returned without calling it; ` +
          `the workflow code changed under an unfinished run. Revert the change or start a new run with --fresh`,
      );
    }
  }

  /** The highest epoch in the journal: a new execution writes with a higher one. */
  get journalEpoch(): number {
    return this.index.epoch;
  }

  /** How many step results are recorded. */
  get recordedSteps(): number {
    return this.results.size;
  }
}

/**
 * Step results by key: those of the journal (found through the index, which refers to them by place) and those
 * recorded during this execution.
 *
 * Hazard: of the steps completed during this execution only the count is kept, and the keys of those the journal
 * recorded as failed for good (whose dead-letter entries the run resolves when it completes). Keys are handed out
 * once per execution, so no other completed key is ever looked up; keeping them all cost every step a hash-table
 * insert and a long run the memory of all its keys.
 */
export class StepResults {
  private readonly added = new Map<string, StepRecord>();
  /** Steps the journal recorded as failed for good; undefined when there are none. */
  private readonly failedBefore: ReadonlySet<string> | undefined;
  /** Those of them completed during this execution. */
  private readonly completedAfterFailure = new Set<string>();
  private readonly recorded: ReadonlyMap<string, number>;
  private readonly records: readonly JournalRecord[];
  private newKeys = 0;

  constructor(index: RecordIndex) {
    this.recorded = index.results;
    this.records = index.records;
    if (index.hadFailures) {
      const failed = new Set<string>();
      for (const record of index.records) if (record.type === "step-failed") failed.add(record.key);
      this.failedBefore = failed;
    }
  }

  get(key: string): StepRecord | undefined {
    const added = this.added.get(key);
    if (added !== undefined) return added;
    const place = this.recorded.get(key);
    return place === undefined ? undefined : (this.records[place] as StepRecord);
  }

  /**
   * True when step `key` has a result: recorded in the journal, set during this execution, or completed during
   * this execution after the journal recorded it as failed (see the class comment for the keys not kept).
   */
  has(key: string): boolean {
    return this.added.has(key) || this.recorded.has(key) || this.completedAfterFailure.has(key);
  }

  set(key: string, record: StepRecord): this {
    if (!this.has(key)) this.newKeys++;
    this.added.set(key, record);
    return this;
  }

  /** Notes that step `key` completed during this execution, without keeping its result (see the class comment). */
  complete(key: string): void {
    if (!this.recorded.has(key) && !this.added.has(key)) this.newKeys++;
    if (this.failedBefore?.has(key)) this.completedAfterFailure.add(key);
  }

  /** How many step keys have a result. */
  get size(): number {
    return this.recorded.size + this.newKeys;
  }
}

/**
 * The keys the code reached during an execution. Those handed out by {@link ReplayState.nextKey} are known from
 * the number of calls per name (`name`, `name#2` … `name#<n>` after n calls), so none is stored; keys assigned
 * otherwise (map items) are added.
 */
export class ReachedKeys {
  private readonly added = new Set<string>();

  constructor(private readonly counts: ReadonlyMap<string, number>) {}

  add(key: string): void {
    this.added.add(key);
  }

  has(key: string): boolean {
    if (this.added.has(key) || this.counts.has(key)) return true;
    const hash = key.lastIndexOf("#");
    if (hash < 0) return false;
    const digits = key.slice(hash + 1);
    if (!/^[1-9][0-9]*$/.test(digits)) return false;
    const n = Number(digits);
    return n >= 2 && (this.counts.get(key.slice(0, hash)) ?? 0) >= n;
  }
}

function describeCall(call: Call | CallRecord): string {
  const kind = "type" in call ? callKind(call) : call.kind;
  return kind === "step" ? `step '${call.key}'` : `${kind} '${call.key}'`;
}
