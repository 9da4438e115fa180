/**
 * The PostgreSQL store: the Store interface on tables in one schema. Runs keep their header and status, records
 * are one row each (the journal's JSON), locks are leases with epochs checked by every write, the inbox and
 * cancellations notify watchers through LISTEN/NOTIFY.
 */
import { os } from "../../builtins.js";
import { randomBytes } from "node:crypto";
import { ulid } from "ulid";
import { JournalCorruptError, LockLostError, UsageError } from "../../errors.js";
import { frameLine } from "../../journal/codec.js";
import { endedForGood, type EncodedValue, type RunHeader } from "../../journal/records.js";
import { parseJournal } from "../../journal/reader.js";
import { checkRunId } from "../../names.js";
import type {
  InboxMessage, LoadedRun, LockBusy, LockOptions, RunFilter, RunLease, RunLog, RunLogOptions, RunStatus, RunSummary,
  Store,
} from "../store.js";
import { AppendQueue } from "./append-queue.js";
import { PostgresBreakerStore } from "./breakers.js";
import { PostgresDeadLetterQueue } from "./dead-letters.js";
import { Db } from "./db.js";
import { LeaseKeeper, PostgresLease } from "./lease.js";
import { Notifier, channelsOf } from "./notifier.js";
import { resolvePostgresOptions, type PostgresStoreOptions, type ResolvedPostgresOptions } from "./options.js";
import { PostgresRunLog } from "./run-log.js";
import { inboxSql, requestCancelSql, sendEventSql } from "./sql/inbox.js";
import type { WorkflowDefinition } from "../../workflow-definition.js";
import { enqueueDefinition, type EnqueuedRun } from "./enqueue.js";
import { deleteRunSql } from "./sql/delete-run.js";
import { leaseOwnerSql } from "./sql/leases.js";
import { latestRunSql, listRunsSql } from "./sql/runs.js";
import { SharedStatements, type SummaryRow } from "./shared-statements.js";

const FIRST_WAIT_MS = 10;
const MAX_WAIT_MS = 250;

/**
 * Creates the PostgreSQL store. Nothing connects until the first use, which applies pending migrations.
 *
 * @example
 * ```ts
 * import { createPostgresStore } from "steplog/postgres";
 * const store = createPostgresStore({ connectionString: process.env.STEPLOG_DATABASE_URL });
 * await nightly.run({ day: "2026-11-22" }, { key: "2026-11-22", store });
 * await store.close();
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(resolvePostgresOptions(options));
}

/**
 * The Store on PostgreSQL, with what workers need on top (claiming runs, waking on new work).
 *
 * @example
 * ```ts
 * const store = createPostgresStore({ connectionString: "postgres://app@db/app" });
 * console.log(await store.listRuns({ status: "waiting" }));
 * ```
 */
export class PostgresStore implements Store {
  readonly description: string;
  readonly dlq: PostgresDeadLetterQueue;
  readonly breakers: PostgresBreakerStore;
  /** @internal */
  readonly db: Db;
  /** @internal */
  readonly notifier: Notifier;
  /** @internal */
  readonly leases: LeaseKeeper;
  /** Identifies this store instance as a lease holder. */
  readonly holderId = `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly queue: AppendQueue;
  /** @internal Per-run statements shared by the concurrent runs of this process. */
  readonly shared: SharedStatements;
  /** The last inbox position this process read, per run (see the append statement). */
  private readonly lastSeen = new Map<string, number>();

  constructor(readonly options: ResolvedPostgresOptions) {
    this.db = new Db(options);
    this.description = `PostgreSQL store at ${this.db.target} (schema ${options.schema})`;
    const channels = channelsOf(options.schema);
    this.notifier = new Notifier(this.db, channels, options.pollIntervalMs);
    this.shared = new SharedStatements(this.db, this.holderId, options.leaseMs, channels.wake);
    this.leases = new LeaseKeeper(this.db, options.leaseMs, this.shared.release);
    this.queue = new AppendQueue(this.db, channels.wake);
    this.dlq = new PostgresDeadLetterQueue(this.db);
    this.breakers = new PostgresBreakerStore(this.db);
  }

  /** Applies pending migrations now (they are otherwise applied on first use). */
  async migrate(): Promise<void> {
    await this.db.migrate();
  }

  async createRun(header: RunHeader, options: RunLogOptions): Promise<RunLog> {
    await this.insertRun(header, options.epoch, false);
    return this.logFor(header, options, 1);
  }

  /** @internal Inserts a run row; `unfenced` for runs enqueued for workers (no lease is held). */
  async insertRun(header: RunHeader, epoch: number, unfenced: boolean): Promise<void> {
    checkRunId(header.runId);
    const created = await this.shared.create.call({
      runId: header.runId, workflow: header.workflow, key: header.key, header: JSON.stringify(header),
      parentRunId: header.parent?.runId ?? null, startedAt: header.startedAt, unfenced, epoch,
    });
    if (!created) {
      throw new LockLostError(`cannot create run ${header.runId}: the lease of workflow '${header.workflow}' key '${header.key}' (epoch ${epoch}) is not held`);
    }
  }

  async openRun(runId: string, options: RunLogOptions): Promise<{ run: LoadedRun; log: RunLog }> {
    const { run, lastSeq, status } = await this.readRun(runId);
    if (status !== "running" && !endedForGood(run.records)) {
      await this.shared.markRunning.call({ runId, at: Date.now() });
    }
    return { run, log: this.logFor(run.header, options, lastSeq + 1) };
  }

  async loadRun(runId: string): Promise<LoadedRun> {
    return (await this.readRun(runId)).run;
  }

  async getRun(runId: string): Promise<RunSummary | undefined> {
    checkRunId(runId);
    const row = await this.shared.getRun.call(runId);
    return row === undefined ? undefined : toSummary(row);
  }

  async listRuns(filter: RunFilter = {}): Promise<RunSummary[]> {
    const statuses = filter.status === undefined ? null : Array.isArray(filter.status) ? filter.status : [filter.status];
    const rows = await this.db.query<SummaryRow>("list runs", this.db.statement("run_list", listRunsSql), [filter.workflow ?? null, filter.key ?? null, statuses, filter.limit ?? null]);
    return rows.map(toSummary);
  }

  async latestRun(workflow: string, key: string, options: { unfinished?: boolean } = {}): Promise<RunSummary | undefined> {
    const rows = await this.db.query<SummaryRow>("latest run", this.db.statement("run_latest", latestRunSql), [workflow, key, options.unfinished ?? false]);
    return rows[0] === undefined ? undefined : toSummary(rows[0]);
  }

  async lock(workflow: string, key: string, options: LockOptions): Promise<RunLease | LockBusy> {
    let waitMs = FIRST_WAIT_MS;
    for (;;) {
      const lease = await this.tryLease(workflow, key, options.onLost);
      if (lease) return lease;
      const owner = await this.db.query<{ epoch: string; pid: number | null; host: string | null; since: string | null; live: boolean }>(
        "lease owner", this.db.statement("lease_owner", leaseOwnerSql), [workflow, key]);
      const row = owner[0];
      if (row !== undefined && !row.live) continue;
      if (options.onLocked !== "wait") {
        return { busy: true, owner: row ? { pid: row.pid ?? 0, host: row.host ?? "", since: Number(row.since ?? 0), epoch: Number(row.epoch) } : undefined };
      }
      await delay(waitMs, options.signal);
      waitMs = Math.min(MAX_WAIT_MS, waitMs * 2);
    }
  }

  /** @internal Takes the lease of (workflow, key) if it is free; `minEpoch` raises the new epoch (runs moved in). */
  async tryLease(workflow: string, key: string, onLost?: (error: Error) => void, minEpoch = 0): Promise<PostgresLease | undefined> {
    const since = Date.now();
    const epoch = await this.shared.acquire.call({ workflow, key, since, minEpoch });
    if (epoch === undefined) return undefined;
    return new PostgresLease(this.leases, workflow, key, epoch, since, onLost);
  }

  async sendEvent(runId: string, event: string, data: EncodedValue, at: number): Promise<InboxMessage> {
    checkRunId(runId);
    const message: InboxMessage = { messageId: ulid(at), event, data, at };
    const { inbox, wake } = this.notifier.channels;
    await this.db.query("send event", this.db.statement("inbox_send", sendEventSql), [message.messageId, runId, event, JSON.stringify(data), at, inbox, wake]);
    return message;
  }

  async inbox(runId: string): Promise<InboxMessage[]> {
    checkRunId(runId);
    const rows = await this.db.query<{ pos: string; message_id: string; event: string; data: string; at: string }>("read inbox", this.db.statement("inbox_read", inboxSql), [runId]);
    const last = rows[rows.length - 1];
    if (last !== undefined) this.lastSeen.set(runId, Math.max(this.lastSeen.get(runId) ?? 0, Number(last.pos)));
    return rows.map((row) => ({ messageId: row.message_id, event: row.event, data: JSON.parse(row.data) as EncodedValue, at: Number(row.at) }));
  }

  async requestCancel(runId: string, reason: string | null, at: number): Promise<void> {
    checkRunId(runId);
    const { inbox, wake } = this.notifier.channels;
    await this.db.query("request cancel", this.db.statement("cancel_request", requestCancelSql), [runId, reason, at, inbox, wake]);
  }

  async cancelRequest(runId: string): Promise<{ reason: string | null; at: number } | undefined> {
    return this.shared.cancelRequest.call(runId);
  }

  watchInbox(runId: string, onChange: () => void): () => void {
    return this.notifier.watchRun(runId, onChange);
  }

  /**
   * Creates a run for the workers (what `engine.start()` does on this store by default): see `enqueueRun`.
   *
   * @example
   * ```ts
   * const { runId } = await store.enqueue(definitionOf(nightly), { day: "2026-11-22" }, { key: "2026-11-22" });
   * ```
   */
  async enqueue(definition: WorkflowDefinition, input: unknown, options: { key?: string; fresh?: boolean } = {}): Promise<EnqueuedRun> {
    return enqueueDefinition(this, definition, input, options);
  }

  /**
   * Removes a finished run (completed, failed or cancelled): its records, inbox and cancellation request.
   * Returns false, removing nothing, when the run is unknown or still running or waiting. Its dead-letter
   * entries are kept (`steplog dlq purge` removes those).
   *
   * @example
   * ```ts
   * if (await store.deleteRun("01JD3Q8Z9X4M2N7P5R6S8T0V1W")) console.log("removed");
   * ```
   */
  async deleteRun(runId: string): Promise<boolean> {
    checkRunId(runId);
    const rows = await this.db.query<{ run_id: string }>("delete run", this.db.statement("run_delete", deleteRunSql), [runId]);
    this.lastSeen.delete(runId);
    return rows.length > 0;
  }

  /** Resolves once every record appended so far is committed. */
  async flushAll(): Promise<void> {
    await this.queue.idle();
  }

  async close(): Promise<void> {
    await this.queue.idle().catch(() => undefined);
    this.leases.stop();
    await this.notifier.close();
    await this.db.end();
  }

  private logFor(header: RunHeader, options: RunLogOptions, nextSeq: number): PostgresRunLog {
    const { runId, workflow, key } = header;
    const { epoch, durability } = options;
    return new PostgresRunLog({ runId, workflow, key, epoch, durability, nextSeq, lastSeen: () => this.lastSeen.get(runId) ?? 0 }, this.queue);
  }

  private async readRun(runId: string): Promise<{ run: LoadedRun; lastSeq: number; status: RunStatus }> {
    checkRunId(runId);
    const rows = await this.shared.load.call(runId);
    const location = `postgres://${this.db.target} ${this.options.schema}.records run ${runId}`;
    if (rows.length === 0 || rows[0]!.seq !== 0) {
      throw new UsageError(`unknown run id ${runId} in the ${this.description}; list runs with 'steplog list'`);
    }
    // Framed with the journal's chained checksums so that the file journal's record rules check them too.
    let text = "";
    let crc = 0;
    for (const row of rows) {
      if (!row.body.startsWith("{") || row.body.length < 2) throw new JournalCorruptError(location, row.seq + 1, "a record is not a JSON object");
      const framed = frameLine(row.body, crc);
      text += framed.line;
      crc = framed.crc;
    }
    const parsed = parseJournal(location, Buffer.from(text, "utf8"));
    return { run: { header: parsed.header, records: parsed.records, location }, lastSeq: rows[rows.length - 1]!.seq, status: rows[0]!.status! };
  }
}

function toSummary(row: SummaryRow): RunSummary {
  const summary: RunSummary = {
    runId: row.run_id, workflow: row.workflow, key: row.key, status: row.status,
    startedAt: Number(row.started_at), updatedAt: Number(row.updated_at),
  };
  if (row.parent_run_id !== null) summary.parentRunId = row.parent_run_id;
  return summary;
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
