/**
 * What a run's journal says, indexed for replay: memoized results by step key, in-doubt steps, waits, events,
 * patches, and the call order for strict mode. Also hands out step keys (`name`, `name#2`, …) and call numbers.
 */
import { NonDeterminismError } from "../errors.js";
import type {
  CallKind, ChildRecord, EventRecord, JournalRecord, SleepRecord, StepRecord, WaitRecord,
} from "../journal/records.js";

interface Call {
  kind: CallKind;
  key: string;
}

/** The replay index of one run. */
export class ReplayState {
  readonly results = new Map<string, StepRecord>();
  readonly started = new Set<string>();
  readonly sleeps = new Map<string, SleepRecord>();
  readonly waits = new Map<string, WaitRecord>();
  readonly events = new Map<string, EventRecord>();
  readonly consumedMessages = new Set<string>();
  readonly patches = new Map<string, boolean>();
  readonly children = new Map<string, ChildRecord>();
  readonly compensated = new Set<string>();
  /** Failed attempts so far per step key (across reruns), for numbering attempts. */
  readonly failedAttempts = new Map<string, number>();
  /** Journaled calls by call number (seq), for strict mode. */
  private readonly calls: (Call | undefined)[] = [];
  private readonly nameCounts = new Map<string, number>();
  private seq = 0;
  /** Keys the code reached during this execution. */
  readonly reached = new Set<string>();
  cancelReason: string | null | undefined;
  /** Some step of this run failed for good (its DLQ entries are resolved when the run completes). */
  hadFailures = false;

  constructor(records: readonly JournalRecord[]) {
    for (const r of records) this.add(r);
  }

  private add(r: JournalRecord): void {
    switch (r.type) {
      case "started":
        this.started.add(r.key);
        this.noteCall(r.seq, r.kind, r.key);
        break;
      case "step":
        this.results.set(r.key, r);
        this.noteCall(r.seq, r.kind, r.key);
        break;
      case "attempt":
        this.failedAttempts.set(r.key, (this.failedAttempts.get(r.key) ?? 0) + 1);
        break;
      case "step-failed":
        this.hadFailures = true;
        this.noteCall(r.seq, "step", r.key);
        break;
      case "sleep":
        this.sleeps.set(r.key, r);
        this.noteCall(r.seq, "sleep", r.key);
        break;
      case "wait":
        this.waits.set(r.key, r);
        this.noteCall(r.seq, "event", r.key);
        break;
      case "event":
        this.events.set(r.key, r);
        if (r.messageId) this.consumedMessages.add(r.messageId);
        this.noteCall(r.seq, "event", r.key);
        break;
      case "patch":
        this.patches.set(r.key, r.patched);
        break;
      case "child":
        this.children.set(r.key, r);
        this.noteCall(r.seq, "child", r.key);
        break;
      case "compensate":
        this.compensated.add(r.key);
        break;
      case "cancel":
        this.cancelReason = r.reason;
        break;
    }
  }

  private noteCall(seq: number, kind: CallKind, key: string): void {
    if (this.calls[seq] === undefined) this.calls[seq] = { kind, key };
  }

  /** The key of the next call named `name`: `name`, then `name#2`, `name#3`, … */
  nextKey(name: string): string {
    const n = (this.nameCounts.get(name) ?? 0) + 1;
    this.nameCounts.set(name, n);
    const key = n === 1 ? name : `${name}#${n}`;
    this.reached.add(key);
    return key;
  }

  /** The number of the next call, and in strict mode the check that the journal has the same call there. */
  nextSeq(kind: CallKind, key: string, strict: boolean): number {
    const seq = ++this.seq;
    if (strict) {
      const recorded = this.calls[seq];
      if (recorded !== undefined && (recorded.key !== key || recorded.kind !== kind)) {
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
    return this.calls.length - 1 > seq;
  }

  /** The recorded calls the code did not reach (orphaned). */
  orphaned(): string[] {
    const out: string[] = [];
    for (const call of this.calls) if (call && !this.reached.has(call.key)) out.push(call.key);
    return out;
  }

  /** In strict mode at the end of a run: a recorded call the code no longer makes is a divergence. */
  checkNoMissingCalls(): void {
    const seq = this.seq + 1;
    const recorded = this.calls[seq];
    if (recorded !== undefined) {
      throw new NonDeterminismError(
        `journal has ${describeCall(recorded)} at #${seq}, but the code returned without calling it; ` +
          `the workflow code changed under an unfinished run. Revert the change or start a new run with --fresh`,
      );
    }
  }

  /** How many step results are recorded. */
  get recordedSteps(): number {
    return this.results.size;
  }
}

function describeCall(call: Call): string {
  return call.kind === "step" ? `step '${call.key}'` : `${call.kind} '${call.key}'`;
}
