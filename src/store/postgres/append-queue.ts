/**
 * Group commit: the records that runs of this process append are gathered for one turn of the event loop (or
 * while the previous statement is in flight) and written by one statement, so concurrent steps share a round
 * trip and a commit. Each run's part is fenced by its lease epoch in that statement.
 */
import { LockLostError, PersistenceError } from "../../errors.js";
import type { Db } from "./db.js";
import { appendRecordsSql } from "./sql/append-records.js";

/** A run's new status, written with its records. */
export interface RunState {
  status: "running" | "waiting" | "completed" | "failed" | "cancelled";
  wakeAt: number | null;
  waitEvent: string | null;
  lastSeen: number;
  at: number;
}

/** What a run log hands to the queue: everything appended since its last batch. */
export interface PendingBatch {
  runId: string;
  workflow: string;
  key: string;
  epoch: number;
  records: Array<{ seq: number; body: string }>;
  state: RunState | null;
}

/** A run log as the queue sees it. */
export interface QueuedLog {
  readonly runId: string;
  /** Takes what was appended since the last call (undefined when nothing). */
  takeBatch(): PendingBatch | undefined;
  /** The batch taken last was written (or failed with `error`). */
  settleBatch(error: Error | undefined): void;
}

/** The per-store queue of runs with records to write. */
export class AppendQueue {
  private readonly dirty = new Set<QueuedLog>();
  private scheduled = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly wakeChannel: string,
  ) {}

  /** Marks a log as having records to write; they go out with the next statement. */
  add(log: QueuedLog): void {
    this.dirty.add(log);
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running ??= this.drain();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.running || this.scheduled || this.dirty.size > 0) {
      if (!this.running && !this.scheduled) this.running = this.drain();
      await this.running;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty.size > 0) {
        const logs = [...this.dirty];
        this.dirty.clear();
        await this.write(logs);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async write(logs: QueuedLog[]): Promise<void> {
    const batches: Array<{ log: QueuedLog; batch: PendingBatch }> = [];
    for (const log of logs) {
      const batch = log.takeBatch();
      if (batch) batches.push({ log, batch });
    }
    if (batches.length === 0) return;
    const recordRuns: string[] = [], seqs: number[] = [], bodies: string[] = [];
    const runIds: string[] = [], workflows: string[] = [], keys: string[] = [], epochs: number[] = [];
    const statuses: Array<string | null> = [], wakeAts: Array<number | null> = [], events: Array<string | null> = [];
    const lastSeen: number[] = [], ats: Array<number | null> = [];
    for (const { batch } of batches) {
      for (const record of batch.records) {
        recordRuns.push(batch.runId);
        seqs.push(record.seq);
        bodies.push(record.body);
      }
      runIds.push(batch.runId);
      workflows.push(batch.workflow);
      keys.push(batch.key);
      epochs.push(batch.epoch);
      statuses.push(batch.state?.status ?? null);
      wakeAts.push(batch.state?.wakeAt ?? null);
      events.push(batch.state?.waitEvent ?? null);
      lastSeen.push(batch.state?.lastSeen ?? 0);
      ats.push(batch.state?.at ?? null);
    }
    let rows: Array<{ run_id: string; inserted: number }>;
    try {
      rows = await this.db.query("append", this.db.statement("append", appendRecordsSql), [
        recordRuns, seqs, bodies, runIds, workflows, keys, epochs, statuses, wakeAts, events, lastSeen, ats, this.wakeChannel,
      ]);
    } catch (error) {
      for (const { log } of batches) log.settleBatch(error as Error);
      return;
    }
    const inserted = new Map(rows.map((row) => [row.run_id, row.inserted]));
    for (const { log, batch } of batches) {
      const count = inserted.get(batch.runId);
      if (count === undefined) {
        log.settleBatch(new LockLostError(`run ${batch.runId}: the lease of workflow '${batch.workflow}' key '${batch.key}' was taken over by another worker (epoch ${batch.epoch} is no longer current); nothing more is written by this process`));
      } else if (count !== batch.records.length) {
        log.settleBatch(new PersistenceError(`run ${batch.runId}: ${batch.records.length - count} of ${batch.records.length} records were already there (another writer with the same epoch?)`));
      } else log.settleBatch(undefined);
    }
  }
}
