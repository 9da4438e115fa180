/**
 * Leases: the PostgreSQL form of the run lock. A lease is held until released or until it expires without
 * renewal; this process renews all its leases in one statement every third of the lease time. A lease whose
 * epoch moved on (another holder took it after it expired) is lost: its holder is told, and every record it
 * still tries to write is refused by the epoch check.
 */
import { os } from "../../builtins.js";
import { LockLostError } from "../../errors.js";
import type { LockOwner, RunLease } from "../store.js";
import type { Batcher } from "./batcher.js";
import type { Db } from "./db.js";
import type { HeldLease } from "./shared-statements.js";
import { renewLeasesSql } from "./sql/leases.js";

/** A held lease of one (workflow, key). */
export class PostgresLease implements RunLease {
  readonly owner: LockOwner;
  private released = false;
  lost = false;

  constructor(
    private readonly keeper: LeaseKeeper,
    readonly workflow: string,
    readonly key: string,
    readonly epoch: number,
    since: number,
    private readonly onLost: ((error: Error) => void) | undefined,
  ) {
    this.owner = { pid: process.pid, host: os.hostname(), since, epoch };
    keeper.add(this);
  }

  /** Called by the keeper when a renewal found the epoch changed. */
  markLost(): void {
    if (this.lost || this.released) return;
    this.lost = true;
    this.keeper.remove(this);
    this.onLost?.(new LockLostError(`the lease of workflow '${this.workflow}' key '${this.key}' (epoch ${this.epoch}) was taken over after it expired`));
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.keeper.remove(this);
    if (this.lost) return;
    await this.keeper.release(this);
  }
}

/** Renews the leases of one store in this process, batched. */
export class LeaseKeeper {
  private readonly leases = new Set<PostgresLease>();
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(
    private readonly db: Db,
    private readonly leaseMs: number,
    private readonly releases: Batcher<HeldLease, undefined>,
  ) {}

  add(lease: PostgresLease): void {
    this.leases.add(lease);
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
      this.timer.unref();
    }
  }

  remove(lease: PostgresLease): void {
    this.leases.delete(lease);
    if (this.leases.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  async release(lease: PostgresLease): Promise<void> {
    await this.releases.call({ workflow: lease.workflow, key: lease.key, epoch: lease.epoch });
  }

  /** Extends every held lease; marks those whose epoch moved on as lost. A failed renewal is retried next time. */
  async renew(): Promise<void> {
    if (this.renewing || this.leases.size === 0) return;
    this.renewing = true;
    const leases = [...this.leases];
    try {
      const rows = await this.db.query<{ workflow: string; key: string; epoch: string }>("lease renewal", this.db.statement("lease_renew", renewLeasesSql), [
        leases.map((l) => l.workflow), leases.map((l) => l.key), leases.map((l) => l.epoch), this.leaseMs,
      ]);
      const kept = new Set(rows.map((r) => `${r.workflow}\u0000${r.key}\u0000${r.epoch}`));
      for (const lease of leases) if (!kept.has(`${lease.workflow}\u0000${lease.key}\u0000${lease.epoch}`) && this.leases.has(lease)) lease.markLost();
    } catch {
      // the database is unreachable: the next tick tries again; if the lease expires meanwhile, the epoch check fences
    } finally {
      this.renewing = false;
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.leases.clear();
  }
}
