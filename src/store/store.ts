/**
 * The Store interface: everything steplog keeps (runs and their records, the inbox of events, the dead-letter
 * queue, locks, breaker state). The file store is the embedded default; the PostgreSQL store is a second
 * implementation. Both must pass `test/store/conformance.ts`.
 */
import type { Durability } from "../journal/writer.js";
import type { EncodedValue, JournalRecord, RunHeader, StoredError } from "../journal/records.js";

/** Where a run stands. `running` also covers a run whose process died (it is resumable). */
export type RunStatus = "running" | "waiting" | "completed" | "failed" | "cancelled";

/** A row of `list`: what a run is and where it stands, without its records. */
export interface RunSummary {
  runId: string;
  workflow: string;
  key: string;
  status: RunStatus;
  startedAt: number;
  updatedAt: number;
  parentRunId?: string;
}

/** A run read back from the store. */
export interface LoadedRun {
  header: RunHeader;
  records: JournalRecord[];
  /** An incomplete last line that was discarded (reported, never silently dropped). */
  tornTail?: { line: number; bytes: number };
  /** Where the records live, for messages (`/path/run.jsonl`, `postgres:steplog.records`). */
  location: string;
}

/** A run this process owns and may append to. */
export interface RunLog {
  readonly runId: string;
  /** Writes a record now (write(2) for files), not waiting for durability. */
  append(record: JournalRecord): void;
  /**
   * Writes a record; the promise (absent for durability "process") settles once it is durable. `body`, when
   * given, is `JSON.stringify(record)` already computed by the caller; a store may use it instead of serializing
   * the record again.
   */
  appendDurable(record: JournalRecord, body?: string): Promise<void> | undefined;
  /** Waits until everything appended is durable. */
  flush(): Promise<void>;
  /** Flushes and closes. Idempotent. */
  close(): Promise<void>;
}

/** Options for opening a run for appending. */
export interface RunLogOptions {
  durability: Durability;
  /** The epoch of the lock held; stores may check it on every write. */
  epoch: number;
}

/** Who holds a lock. */
export interface LockOwner {
  pid: number;
  host: string;
  /** When the holder took the lock, ms since the epoch. */
  since: number;
  epoch: number;
}

/** What to do when another process holds the lock. */
export type OnLocked = "skip" | "wait" | "fail";

/** Options of {@link Store.lock}. */
export interface LockOptions {
  onLocked: OnLocked;
  /** Called when the lock is lost while held (another process reclaimed it). */
  onLost?: (error: Error) => void;
  /** With onLocked "wait": give up waiting when this signal aborts. */
  signal?: AbortSignal;
}

/** A held lock: one per (workflow, key). */
export interface RunLease {
  /** Fencing token: higher for every new holder. */
  readonly epoch: number;
  readonly owner: LockOwner;
  release(): Promise<void>;
}

/** The lock was held by someone else (onLocked "skip" or "fail"). */
export interface LockBusy {
  busy: true;
  owner: LockOwner | undefined;
}

/** An event waiting in a run's inbox. */
export interface InboxMessage {
  messageId: string;
  event: string;
  data: EncodedValue;
  at: number;
}

/** A dead-letter entry: a step that failed for good. */
export interface DeadLetterEntry {
  id: string;
  runId: string;
  workflow: string;
  key: string;
  stepKey: string;
  error: StoredError;
  attempts: number;
  /** How many times a rerun failed this same step again after the entry was opened. */
  reruns: number;
  firstAt: number;
  lastAt: number;
  status: "open" | "redriven" | "resolved";
}

/** What is needed to put a new dead-letter entry (or update the open one for the same run and step). */
export type NewDeadLetter = Pick<DeadLetterEntry, "runId" | "workflow" | "key" | "stepKey" | "error" | "attempts">;

/** The dead-letter queue of a store. */
export interface DeadLetterQueue {
  /** Opens an entry, or updates the open entry of the same (run, step): attempts, last error, reruns + 1. */
  put(entry: NewDeadLetter, at: number): Promise<DeadLetterEntry>;
  list(filter?: { status?: DeadLetterEntry["status"]; runId?: string; workflow?: string }): Promise<DeadLetterEntry[]>;
  get(id: string): Promise<DeadLetterEntry | undefined>;
  setStatus(id: string, status: DeadLetterEntry["status"], at: number): Promise<void>;
  /** Removes entries that are not open (or all matching entries with `includeOpen`); returns how many. */
  purge(filter?: { runId?: string; includeOpen?: boolean }): Promise<number>;
}

/** Persisted state of one circuit breaker. */
export interface BreakerState {
  state: "closed" | "open" | "half-open";
  /** While open: when it may half-open, ms since the epoch. */
  openUntil: number | null;
  failures: number;
  updatedAt: number;
}

/** Breaker states shared by all processes on the store. */
export interface BreakerStore {
  load(name: string): Promise<BreakerState | undefined>;
  save(name: string, state: BreakerState): Promise<void>;
  list(): Promise<Record<string, BreakerState>>;
}

/** Filter of {@link Store.listRuns}. */
export interface RunFilter {
  workflow?: string;
  key?: string;
  status?: RunStatus | RunStatus[];
  /** Newest first; at most this many. */
  limit?: number;
}

/**
 * Everything steplog persists.
 *
 * @example
 * ```ts
 * const store = createFileStore({ dir: ".steplog" });
 * const runs = await store.listRuns({ status: "failed" });
 * ```
 */
export interface Store {
  /** For messages: `file store at /srv/app/.steplog`. */
  readonly description: string;
  /** Creates a run from its header; the returned log already holds the header. */
  createRun(header: RunHeader, options: RunLogOptions): Promise<RunLog>;
  /** Reads a run and opens it for appending (the caller holds its lock). */
  openRun(runId: string, options: RunLogOptions): Promise<{ run: LoadedRun; log: RunLog }>;
  /** Reads a run. Throws UsageError for an unknown id, JournalCorruptError for damage. */
  loadRun(runId: string): Promise<LoadedRun>;
  /** A run's summary, or undefined when there is no such run. */
  getRun(runId: string): Promise<RunSummary | undefined>;
  /** Runs, newest first. */
  listRuns(filter?: RunFilter): Promise<RunSummary[]>;
  /** The newest run of a workflow and key (only unfinished ones with `unfinished`). */
  latestRun(workflow: string, key: string, options?: { unfinished?: boolean }): Promise<RunSummary | undefined>;
  /** Takes the lock of (workflow, key), per `onLocked`. */
  lock(workflow: string, key: string, options: LockOptions): Promise<RunLease | LockBusy>;
  /** Delivers an event to a run's inbox. */
  sendEvent(runId: string, event: string, data: EncodedValue, at: number): Promise<InboxMessage>;
  /** Events delivered to a run, oldest first. */
  inbox(runId: string): Promise<InboxMessage[]>;
  /** Asks a run to stop; the process running it notices (watchInbox) and cancels. */
  requestCancel(runId: string, reason: string | null, at: number): Promise<void>;
  /** The pending cancellation of a run, if any. */
  cancelRequest(runId: string): Promise<{ reason: string | null; at: number } | undefined>;
  /** Calls `onChange` when a run's inbox or cancellation changes; returns a function that stops watching. */
  watchInbox(runId: string, onChange: () => void): () => void;
  readonly dlq: DeadLetterQueue;
  readonly breakers: BreakerStore;
  /** Releases resources (connections, watchers). */
  close(): Promise<void>;
}

/** True when the lock attempt found it held by someone else. */
export function isLockBusy(result: RunLease | LockBusy): result is LockBusy {
  return (result as LockBusy).busy === true;
}
