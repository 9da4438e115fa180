/**
 * A run this process owns on PostgreSQL. Appends are buffered and handed to the store's group-commit queue;
 * a durable append resolves once its statement committed. After any failure (a lost lease, a database error)
 * the log refuses every later append, like the file journal writer.
 */
import type { JournalRecord } from "../../journal/records.js";
import type { Durability } from "../../journal/writer.js";
import type { RunLog } from "../store.js";
import type { AppendQueue, PendingBatch, QueuedLog, RunState } from "./append-queue.js";

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** What the log needs to know about its run and store. */
export interface RunLogTarget {
  runId: string;
  workflow: string;
  key: string;
  epoch: number;
  /** "process": durable appends do not wait for their commit (they go out within one turn of the event loop). */
  durability: Durability;
  /** The seq of the next record. */
  nextSeq: number;
  /** The last inbox position this process read for the run (for suspensions racing a delivery). */
  lastSeen: () => number;
}

/** The RunLog of the PostgreSQL store. */
export class PostgresRunLog implements RunLog, QueuedLog {
  readonly runId: string;
  private nextSeq: number;
  private records: Array<{ seq: number; body: string }> = [];
  private state: RunState | null;
  private waiters: Waiter[] = [];
  private inFlight: Waiter[] | undefined;
  private failure: Error | undefined;
  private closed = false;

  constructor(
    private readonly target: RunLogTarget,
    private readonly queue: AppendQueue,
  ) {
    this.runId = target.runId;
    this.nextSeq = target.nextSeq;
    this.state = { status: "running", wakeAt: null, waitEvent: null, lastSeen: 0, at: Date.now() };
  }

  append(record: JournalRecord): void {
    if (this.failure) throw this.failure;
    this.records.push({ seq: this.nextSeq++, body: JSON.stringify(record) });
    if (record.type === "suspend") {
      const wait = record.wait;
      this.state = { status: "waiting", wakeAt: wait.until, waitEvent: wait.kind === "event" ? wait.event ?? null : null, lastSeen: this.target.lastSeen(), at: record.at };
    } else if (record.type === "end") {
      this.state = { status: record.status, wakeAt: null, waitEvent: null, lastSeen: 0, at: record.at };
    } else if (this.state) this.state.at = record.at;
    this.queue.add(this);
  }

  appendDurable(record: JournalRecord): Promise<void> | undefined {
    this.append(record);
    if (this.target.durability === "process") return undefined;
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.records.length === 0 && this.inFlight === undefined) return Promise.resolve();
    if (this.records.length === 0) {
      return new Promise<void>((resolve, reject) => this.inFlight!.push({ resolve, reject }));
    }
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.records.length > 0 || this.inFlight) await this.flush().catch(() => undefined);
  }

  takeBatch(): PendingBatch | undefined {
    if (this.records.length === 0 && this.state === null) return undefined;
    const { runId, workflow, key, epoch } = this.target;
    const batch: PendingBatch = { runId, workflow, key, epoch, records: this.records, state: this.state };
    this.records = [];
    this.state = null;
    this.inFlight = this.waiters;
    this.waiters = [];
    return batch;
  }

  settleBatch(error: Error | undefined): void {
    const waiters = this.inFlight ?? [];
    this.inFlight = undefined;
    if (error) {
      this.failure ??= error;
      for (const w of [...waiters, ...this.waiters.splice(0)]) w.reject(this.failure);
      this.records = [];
      return;
    }
    for (const w of waiters) w.resolve();
  }
}
