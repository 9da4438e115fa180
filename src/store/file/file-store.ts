/**
 * The embedded default store: files under a state directory, no server.
 */
import { acquireFileLock } from "../../lock/file-lock.js";
import { fs, path } from "../../builtins.js";
import { PersistenceError, UsageError, messageOf } from "../../errors.js";
import { endedForGood, type EncodedValue, type JournalRecord, type RunHeader } from "../../journal/records.js";
import { readJournal } from "../../journal/reader.js";
import { valueCodecPending } from "../../journal/values.js";
import { JournalWriter, type Durability } from "../../journal/writer.js";
import { clearTakeover, takeoverMarked } from "../../lock/takeover-marker.js";
import { checkRunId, checkWorkflowName, isRunId } from "../../names.js";
import type {
  InboxMessage, LoadedRun, LockBusy, LockOptions, RunFilter, RunLease, RunLog, RunLogOptions, RunStatus,
  RunSummary, Store,
} from "../store.js";
import { FileBreakerStore } from "./breaker-file.js";
import { FileDeadLetterQueue } from "./dead-letters.js";
import { IndexWriters, exists, readIndexLines } from "./index-file.js";
import { readCancelRequest, readInbox, writeCancelRequest, writeInboxMessage } from "./inbox.js";
import { InboxWatchers } from "./inbox-watch.js";
import { Layout, ensureDir } from "./layout.js";

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /** The state directory. */
  dir: string;
  /**
   * How long a lock holder may go without refreshing its lock before another process may take it over (when
   * the holder's pid cannot be checked, e.g. on another host).
   * @default 10_000
   */
  lockStaleMs?: number;
}

/** One line of an index file. */
interface IndexLine {
  runId: string;
  key: string;
  status: RunStatus;
  at: number;
  startedAt?: number;
  parentRunId?: string;
}

/**
 * Creates the file store on a state directory.
 *
 * @example
 * ```ts
 * import { createFileStore } from "steplog";
 * const store = createFileStore({ dir: ".steplog" });
 * console.log(await store.listRuns({ status: "failed" }));
 * ```
 */
export function createFileStore(options: FileStoreOptions): Store {
  return new FileStore(options);
}

class FileStore implements Store {
  readonly layout: Layout;
  readonly description: string;
  readonly dlq: FileDeadLetterQueue;
  readonly breakers: FileBreakerStore;
  private readonly indexes = new IndexWriters();
  private readonly inboxWatchers: InboxWatchers;

  constructor(private readonly options: FileStoreOptions) {
    this.layout = new Layout(options.dir);
    this.description = `file store at ${this.layout.root}`;
    this.dlq = new FileDeadLetterQueue(this.layout, this.indexes);
    this.breakers = new FileBreakerStore(this.layout);
    this.inboxWatchers = new InboxWatchers(this.layout);
  }

  async createRun(header: RunHeader, options: RunLogOptions): Promise<RunLog> {
    await valueCodecPending();
    const dir = this.layout.workflowDir(header.workflow);
    ensureDir(this.layout.keysDir(header.workflow), this.layout.root);
    // The new files are created on the thread pool: many runs of one process may start at once.
    const file = path.join(dir, `${checkRunId(header.runId)}.jsonl`);
    const opening = [
      JournalWriter.createAsync(file, JSON.stringify(header), options),
      this.indexes.prepare(this.layout.workflowIndex(header.workflow)),
      ownKey(header) ? Promise.resolve() : this.indexes.prepare(this.layout.keyIndex(header.workflow, header.key)),
    ] as const;
    for (const opened of opening) opened.catch(() => undefined);
    // Errors in the order of the synchronous code: the journal, then the workflow index, then the key index.
    const writer = await opening[0];
    await opening[1];
    await opening[2];
    const line: IndexLine = { runId: header.runId, key: header.key, status: "running", at: header.startedAt, startedAt: header.startedAt };
    if (header.parent) line.parentRunId = header.parent.runId;
    this.index(header.workflow, line, options.durability);
    return new FileRunLog(this, header.workflow, header.key, header.runId, writer, options.durability);
  }

  async openRun(runId: string, options: RunLogOptions): Promise<{ run: LoadedRun; log: RunLog }> {
    const run = await this.loadRun(runId);
    // Refuses a runs/, workflow or keys directory replaced by a symbolic link before writing through it.
    ensureDir(this.layout.keysDir(run.header.workflow), this.layout.root);
    const { workflow, key } = run.header;
    const lockName = this.layout.lockName(workflow, key);
    const fence = takeoverMarked(this.layout.locksDir, lockName);
    const writer = JournalWriter.reopen(run.location, validBytesOf(run), lastCrcOf(run), options, fence);
    if (fence) clearTakeover(this.layout.locksDir, lockName);
    // A run that ended for good is not resumed: its index lines keep its status.
    if (!endedForGood(run.records)) this.index(workflow, { runId, key, status: "running", at: Date.now() }, options.durability);
    return { run, log: new FileRunLog(this, workflow, key, runId, writer, options.durability) };
  }

  async loadRun(runId: string): Promise<LoadedRun> {
    const file = this.findJournal(runId);
    if (file === undefined) {
      throw new UsageError(`unknown run id ${runId} in ${this.layout.root}; list runs with 'steplog list --dir ${this.layout.root}'`);
    }
    await valueCodecPending();
    const read = readJournal(file);
    const run: LoadedRun & { validBytes: number; lastCrc: number } = {
      header: read.header,
      records: read.records,
      location: file,
      validBytes: read.validBytes,
      lastCrc: read.lastCrc,
    };
    if (read.tornTail) run.tornTail = read.tornTail;
    return run;
  }

  async getRun(runId: string): Promise<RunSummary | undefined> {
    checkRunId(runId);
    for (const workflow of this.workflows()) {
      if (!exists(this.layout.journal(workflow, runId))) continue;
      const found = this.fold(readIndexLines(this.layout.workflowIndex(workflow)), workflow).find((r) => r.runId === runId);
      if (found) return found;
      const { header } = await this.loadRun(runId);
      return { runId, workflow, key: header.key, status: "running", startedAt: header.startedAt, updatedAt: header.startedAt };
    }
    return undefined;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunSummary[]> {
    const workflows = filter.workflow !== undefined ? [checkWorkflowName(filter.workflow)] : this.workflows();
    const statuses = filter.status === undefined ? undefined : new Set(Array.isArray(filter.status) ? filter.status : [filter.status]);
    let runs: RunSummary[] = [];
    for (const workflow of workflows) {
      const lines = filter.key !== undefined ? this.keyLines(workflow, filter.key) : readIndexLines(this.layout.workflowIndex(workflow));
      runs.push(...this.fold(lines, workflow));
    }
    if (statuses) runs = runs.filter((r) => statuses.has(r.status));
    runs.sort((a, b) => (a.runId < b.runId ? 1 : -1));
    // Index files are append-only: a run removed by `steplog gc` is left out here, where its journal is missing.
    const out: RunSummary[] = [];
    for (const r of runs) {
      if (filter.limit !== undefined && out.length >= filter.limit) break;
      if (this.hasJournal(r)) out.push(r);
    }
    return out;
  }

  async latestRun(workflow: string, key: string, options: { unfinished?: boolean } = {}): Promise<RunSummary | undefined> {
    const runs = this.fold(this.keyLines(workflow, key), workflow).sort((a, b) => (a.runId < b.runId ? 1 : -1));
    return runs.find((r) => (!options.unfinished || (r.status !== "completed" && r.status !== "cancelled")) && this.hasJournal(r));
  }

  /**
   * The index lines of a key's runs. A run started without a key is keyed by its own id and has no key index
   * file (one file fewer per run): its lines are the workflow index's lines of that run.
   */
  private keyLines(workflow: string, key: string): Record<string, unknown>[] {
    const lines = readIndexLines(this.layout.keyIndex(workflow, key));
    if (!isRunId(key) || !exists(this.layout.journal(workflow, key))) return lines;
    const own = readIndexLines(this.layout.workflowIndex(workflow)).filter((line) => line.runId === key && line.key === key);
    return own.length === 0 ? lines : [...own, ...lines];
  }

  /** Closes the key index writer of a run whose log closed. */
  releaseKey(workflow: string, key: string): void {
    this.indexes.release(this.layout.keyIndex(workflow, key));
  }

  private hasJournal(run: RunSummary): boolean {
    return exists(this.layout.journal(run.workflow, run.runId));
  }

  async lock(workflow: string, key: string, options: LockOptions): Promise<RunLease | LockBusy> {
    ensureDir(this.layout.locksDir, this.layout.root);
    const lockOptions = this.options.lockStaleMs === undefined ? options : { ...options, staleMs: this.options.lockStaleMs };
    return acquireFileLock(this.layout.locksDir, this.layout.lockName(workflow, key), lockOptions);
  }

  async sendEvent(runId: string, event: string, data: EncodedValue, at: number): Promise<InboxMessage> {
    return writeInboxMessage(this.layout, runId, event, data, at);
  }

  async inbox(runId: string): Promise<InboxMessage[]> {
    return readInbox(this.layout, runId);
  }

  async requestCancel(runId: string, reason: string | null, at: number): Promise<void> {
    writeCancelRequest(this.layout, runId, reason, at);
  }

  async cancelRequest(runId: string): Promise<{ reason: string | null; at: number } | undefined> {
    return readCancelRequest(this.layout, runId);
  }

  watchInbox(runId: string, onChange: () => void): () => void {
    return this.inboxWatchers.watch(runId, onChange);
  }

  async close(): Promise<void> {
    this.indexes.closeAll();
    this.inboxWatchers.closeAll();
  }

  /**
   * Appends a state change of a run to its workflow index and its key index, fsynced only when the run's records
   * are (durability "process" promises survival of a process crash, which write(2) alone gives).
   */
  index(workflow: string, line: IndexLine, durability: Durability): void {
    this.indexes.append(this.layout.workflowIndex(workflow), line, durability);
    if (!ownKey(line)) this.indexes.append(this.layout.keyIndex(workflow, line.key), line, durability);
  }

  private fold(lines: Record<string, unknown>[], workflow: string): RunSummary[] {
    const byId = new Map<string, RunSummary>();
    for (const raw of lines) {
      const line = raw as unknown as IndexLine;
      const prev = byId.get(line.runId);
      if (prev) {
        prev.status = line.status;
        prev.updatedAt = line.at;
      } else {
        const summary: RunSummary = { runId: line.runId, workflow, key: line.key, status: line.status, startedAt: line.startedAt ?? line.at, updatedAt: line.at };
        if (line.parentRunId) summary.parentRunId = line.parentRunId;
        byId.set(line.runId, summary);
      }
    }
    return [...byId.values()];
  }

  private workflows(): string[] {
    try {
      return fs.readdirSync(this.layout.runsDir).filter((name) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new PersistenceError(`cannot read ${this.layout.runsDir}: ${messageOf(error)}`, { cause: error });
    }
  }

  private findJournal(runId: string): string | undefined {
    checkRunId(runId);
    for (const workflow of this.workflows()) {
      const file = this.layout.journal(workflow, runId);
      if (exists(file)) return file;
    }
    return undefined;
  }
}

/** A run keyed by its own id (started without a key): the workflow index alone lists it. */
function ownKey(run: { runId: string; key: string }): boolean {
  return run.key === run.runId;
}

function validBytesOf(run: LoadedRun): number {
  return (run as LoadedRun & { validBytes: number }).validBytes;
}

function lastCrcOf(run: LoadedRun): number {
  return (run as LoadedRun & { lastCrc: number }).lastCrc;
}

const INDEXED: Partial<Record<JournalRecord["type"], true>> = { suspend: true, end: true };

class FileRunLog implements RunLog {
  constructor(
    private readonly store: FileStore,
    private readonly workflow: string,
    readonly key: string,
    readonly runId: string,
    private readonly writer: JournalWriter,
    private readonly durability: Durability,
  ) {}

  append(record: JournalRecord): void {
    this.writer.append(JSON.stringify(record));
    if (INDEXED[record.type]) this.indexState(record);
  }

  appendDurable(record: JournalRecord, body: string = JSON.stringify(record)): Promise<void> | undefined {
    const done = this.writer.appendDurable(body);
    if (INDEXED[record.type]) this.indexState(record);
    return done;
  }

  private indexState(record: JournalRecord): void {
    const status: RunStatus = record.type === "suspend" ? "waiting" : record.type === "end" ? record.status : "running";
    this.store.index(this.workflow, { runId: this.runId, key: this.key, status, at: record.at }, this.durability);
  }

  async flush(): Promise<void> {
    await this.writer.whenSynced();
  }

  async close(): Promise<void> {
    this.writer.close();
    if (!ownKey(this)) this.store.releaseKey(this.workflow, this.key);
  }
}
