/**
 * The per-run statements of a store, each shared by the concurrent runs of this process (see Batcher): taking
 * and releasing leases, creating, reading and reopening runs, reading cancellation requests, enqueueing runs.
 */
import { os } from "../../builtins.js";
import type { RunStatus } from "../store.js";
import { Batcher, RETRY_ALONE } from "./batcher.js";
import type { Db } from "./db.js";
import { cancelRequestsSql } from "./sql/inbox.js";
import { acquireLeasesSql, releaseLeasesSql } from "./sql/leases.js";
import { createRunsSql, enqueueRunsSql, getRunsSql, loadRunsSql, markRunningSql } from "./sql/runs.js";

/** A run summary row. */
export interface SummaryRow {
  run_id: string;
  workflow: string;
  key: string;
  status: RunStatus;
  started_at: string;
  updated_at: string;
  parent_run_id: string | null;
}

/** A row of a run as loaded: seq 0 is the header (with the run's status), then the records. */
export interface LoadedRow {
  seq: number;
  body: string;
  status: RunStatus | null;
}

/** A run to insert. */
export interface NewRun {
  runId: string;
  workflow: string;
  key: string;
  header: string;
  parentRunId: string | null;
  startedAt: number;
  unfenced: boolean;
  epoch: number;
}

/** A lease to take. */
export interface LeaseRequest {
  workflow: string;
  key: string;
  since: number;
  minEpoch: number;
}

/** A lease to release. */
export interface HeldLease {
  workflow: string;
  key: string;
  epoch: number;
}

/** One batcher per statement kind. */
export class SharedStatements {
  /** The epoch taken, or undefined when the lease is held by someone else. */
  readonly acquire: Batcher<LeaseRequest, number | undefined>;
  readonly release: Batcher<HeldLease, undefined>;
  /** True when created; false when another holder has the lease. */
  readonly create: Batcher<NewRun, boolean>;
  readonly enqueue: Batcher<Omit<NewRun, "unfenced" | "epoch" | "parentRunId">, undefined>;
  readonly getRun: Batcher<string, SummaryRow | undefined>;
  /** The rows of a run (empty when unknown). */
  readonly load: Batcher<string, LoadedRow[]>;
  readonly markRunning: Batcher<{ runId: string; at: number }, undefined>;
  readonly cancelRequest: Batcher<string, { reason: string | null; at: number } | undefined>;

  constructor(db: Db, holderId: string, leaseMs: number, wakeChannel: string) {
    this.acquire = new Batcher(async (items) => {
      const first = new Map<string, LeaseRequest>();
      for (const item of items) if (!first.has(pairKey(item))) first.set(pairKey(item), item);
      const taken = [...first.values()];
      const rows = await db.query<{ workflow: string; key: string; epoch: string }>("lease acquire", db.statement("lease_acquire", acquireLeasesSql), [
        taken.map((t) => t.workflow), taken.map((t) => t.key), taken.map((t) => t.since), taken.map((t) => t.minEpoch),
        holderId, process.pid, os.hostname(), leaseMs,
      ]);
      const epochs = new Map(rows.map((r) => [pairKey(r), Number(r.epoch)]));
      // A second request for a key in the same batch finds it held by the first.
      return items.map((item) => (first.get(pairKey(item)) === item ? epochs.get(pairKey(item)) : undefined));
    });
    this.release = new Batcher(async (items) => {
      await db.query("lease release", db.statement("lease_release", releaseLeasesSql), [
        items.map((l) => l.workflow), items.map((l) => l.key), items.map((l) => l.epoch), wakeChannel,
      ]);
      return items.map(() => undefined);
    });
    this.create = new Batcher(async (items) => {
      if (new Set(items.map((r) => r.runId)).size !== items.length) return items.map(() => RETRY_ALONE);
      const rows = await db.query<{ run_id: string }>("create run", db.statement("run_create", createRunsSql), [
        items.map((r) => r.runId), items.map((r) => r.workflow), items.map((r) => r.key), items.map((r) => r.header),
        items.map((r) => r.parentRunId), items.map((r) => r.startedAt), items.map((r) => r.unfenced), items.map((r) => r.epoch),
      ]);
      const created = new Set(rows.map((r) => r.run_id));
      return items.map((r) => created.has(r.runId));
    });
    this.enqueue = new Batcher(async (items) => {
      if (new Set(items.map((r) => r.runId)).size !== items.length) return items.map(() => RETRY_ALONE);
      await db.query("enqueue run", db.statement("run_enqueue", enqueueRunsSql), [
        items.map((r) => r.runId), items.map((r) => r.workflow), items.map((r) => r.key), items.map((r) => r.header),
        items.map((r) => r.startedAt), wakeChannel,
      ]);
      return items.map(() => undefined);
    });
    this.getRun = new Batcher(async (ids) => {
      const rows = await db.query<SummaryRow>("get run", db.statement("run_get", getRunsSql), [unique(ids)]);
      const byId = new Map(rows.map((r) => [r.run_id, r]));
      return ids.map((id) => byId.get(id));
    });
    this.load = new Batcher(async (ids) => {
      const rows = await db.query<LoadedRow & { run_id: string }>("load run", db.statement("run_load", loadRunsSql), [unique(ids)]);
      const byId = new Map<string, LoadedRow[]>();
      for (const row of rows) {
        let list = byId.get(row.run_id);
        if (list === undefined) byId.set(row.run_id, (list = []));
        list.push({ seq: row.seq, body: row.body, status: row.status });
      }
      return ids.map((id) => byId.get(id) ?? []);
    });
    this.markRunning = new Batcher(async (items) => {
      await db.query("mark run running", db.statement("run_running", markRunningSql), [unique(items.map((i) => i.runId)), Math.max(...items.map((i) => i.at))]);
      return items.map(() => undefined);
    });
    this.cancelRequest = new Batcher(async (ids) => {
      const rows = await db.query<{ run_id: string; reason: string | null; at: string }>("read cancel request", db.statement("cancel_read", cancelRequestsSql), [unique(ids)]);
      const byId = new Map(rows.map((r) => [r.run_id, { reason: r.reason, at: Number(r.at) }]));
      return ids.map((id) => byId.get(id));
    });
  }
}

function pairKey(lease: { workflow: string; key: string }): string {
  return `${lease.workflow}\u0000${lease.key}`;
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}
