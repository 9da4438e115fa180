/**
 * A run being executed by this process: its header, replay state, journal, policies and event emitter. The
 * context methods (step, sleep, waitForEvent, …) operate on it.
 */
import type { RunEvent, RunEventListener, RunEventMap, RunEventType, WaitInfo } from "../events.js";
import type { JournalRecord, RunHeader } from "../journal/records.js";
import type { ResolvedWorkflowOptions } from "../options.js";
import type { BreakerRegistry } from "../policies/breaker.js";
import type { RunLog, Store } from "../store/store.js";
import type { ReplayState } from "./replay-state.js";

/** A completed step whose compensation runs if the run fails for good. */
export interface Compensation {
  key: string;
  run: () => unknown;
}

/** Everything the context methods need about the run in progress. */
export interface ActiveRun {
  readonly header: RunHeader;
  readonly state: ReplayState;
  readonly log: RunLog;
  readonly store: Store;
  readonly options: ResolvedWorkflowOptions;
  readonly epoch: number;
  /** Aborted on cancellation or shutdown; every attempt's signal follows it. */
  readonly signal: AbortSignal;
  /** True for scripts (`main()`): long waits suspend the process; false for the engine (waits in memory). */
  readonly suspendable: boolean;
  readonly breakers: BreakerRegistry;
  readonly compensations: Compensation[];
  /** Wakes waiters when the inbox changes (events arrive). */
  readonly inboxChanged: EventTarget;
  /** Ends this execution for now (a script's long sleep or missing event): the returned promise never settles. */
  suspend(wait: WaitInfo): Promise<never>;
  emit<K extends RunEventType>(type: K, payload: RunEventMap[K]): void;
  /** A record stamped with this run's epoch and the clock's time. */
  record<R extends JournalRecord>(fields: Omit<R, "epoch" | "at">): R;
}

/** Fans events out to listeners; a throwing listener is ignored so it cannot break the run. */
export class EventFanout {
  private readonly listeners: RunEventListener[] = [];

  constructor(
    private readonly runId: string,
    private readonly workflow: string,
    private readonly now: () => number,
  ) {}

  add(listener: RunEventListener | undefined): void {
    if (listener) this.listeners.push(listener);
  }

  get active(): boolean {
    return this.listeners.length > 0;
  }

  emit<K extends RunEventType>(type: K, payload: RunEventMap[K]): void {
    if (this.listeners.length === 0) return;
    const event = { type, runId: this.runId, workflow: this.workflow, at: this.now(), ...payload } as RunEvent;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a listener must not break the run
      }
    }
  }
}
