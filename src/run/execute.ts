/**
 * Executing a run: pick the run (new, resumed, or already completed), take the lock, run the workflow function
 * with replay, and journal how it ended. Used by `wf.run()`, `wf.main()`, child runs and the engine.
 */
import { os } from "../builtins.js";
import { LockHeldError, LockLostError, UsageError } from "../errors.js";
import type { RunEventListener, WaitInfo } from "../events.js";
import { exitCodeFor } from "../exit-codes.js";
import { endedForGood, lastEnd, type EncodedValue, type EndRecord, type EntryPoint, type RunHeader } from "../journal/records.js";
import { Unserializable, decodeValue, encodeValue } from "../journal/values.js";
import { checkKey, checkRunId, newUlid } from "../names.js";
import type { OnLocked, RunLease, RunLog, Store } from "../store/store.js";
import { isLockBusy } from "../store/store.js";
import type { WorkflowDefinition } from "../workflow-definition.js";
import { executeBody, type BodyResult } from "./execute-body.js";
import { fenceLog } from "./fenced-log.js";
import { ReplayState } from "./replay-state.js";

/** What to execute and how. */
export interface ExecuteRequest {
  definition: WorkflowDefinition;
  store: Store;
  input: unknown;
  /** The caller gave an input explicitly (main's --input, or run()): it must match a resumed run's input. */
  inputGiven: boolean;
  /** The run key; undefined starts a new run keyed by its own id. */
  key: string | undefined;
  /** The key was given explicitly: a completed run for it returns its recorded result. */
  keyExplicit: boolean;
  runId?: string;
  /** The id to give a new run (child runs journal it before they start). */
  newRunId?: string;
  fresh: boolean;
  onLocked: OnLocked;
  /** Scripts suspend long waits (exit 40); the engine waits in memory. */
  suspendable: boolean;
  signal?: AbortSignal;
  /** Aborted on SIGINT/SIGTERM: in-flight steps are aborted, the run stays resumable (nothing is journaled). */
  shutdown?: AbortSignal;
  listeners: RunEventListener[];
  entry: EntryPoint;
  parent?: { runId: string; stepKey: string };
  /** Aborted when the caller's lease (given in `lease`) is lost; the run stops and appends nothing more. */
  lockLost?: AbortSignal;
  /** Called with the run id as soon as it is known (engine handles). */
  onRunId?: (runId: string) => void;
  /** A lease of the run's (workflow, key) the caller already holds (a worker's claim): used instead of taking the lock, released at the end. */
  lease?: RunLease;
}

/** How an execution ended. */
export type RunOutcome =
  | { status: "completed"; runId: string; workflow: string; result: unknown; replayed: boolean }
  | { status: "waiting"; runId: string; workflow: string; wait: WaitInfo }
  | { status: "cancelled"; runId: string; workflow: string; reason: string | null }
  | { status: "failed"; runId: string | undefined; workflow: string; error: unknown; exitCode: number }
  | { status: "interrupted"; runId: string; workflow: string; reason: string }
  | { status: "skipped"; runId: undefined; workflow: string; key: string; owner: { pid: number; host: string; since: number } | undefined };

/** Executes (or resumes, or returns the recorded result of) one run. Never throws: failures are outcomes. */
export async function executeRun(req: ExecuteRequest): Promise<RunOutcome> {
  const workflow = req.definition.name;
  let runId = req.runId;
  try {
    let key = req.key;
    if (runId !== undefined) {
      checkRunId(runId);
      const summary = await req.store.getRun(runId);
      if (summary === undefined) throw new UsageError(`unknown run id ${runId} in the ${req.store.description}; list runs with 'steplog list'`);
      if (summary.workflow !== workflow) throw new UsageError(`run ${runId} belongs to workflow '${summary.workflow}', not '${workflow}'`);
      key = summary.key;
    } else if (key !== undefined) {
      checkKey(key);
      if (req.keyExplicit && !req.fresh) {
        const latest = await req.store.latestRun(workflow, key);
        const recorded = latest?.status === "completed" ? await recordedOutcome(req.store, latest.runId) : undefined;
        if (recorded !== undefined) return recorded;
      }
    }
    // A run with a key gets its id only when a new run is created (a resume never loads the ULID module).
    const newRunId = req.newRunId ?? (key === undefined ? newUlid(req.definition.options.clock.now()) : undefined);
    const lockKey = key ?? newRunId!;
    const lost = new AbortController();
    req.lockLost?.addEventListener("abort", () => lost.abort(req.lockLost!.reason), { once: true });
    const onLost = (error: Error) => lost.abort(error instanceof LockLostError ? error : new LockLostError(`the lock of '${workflow}' key '${lockKey}' was lost: ${error.message}`));
    const lease = req.lease ?? await req.store.lock(workflow, lockKey, { onLocked: req.onLocked, onLost, ...(req.signal ? { signal: req.signal } : {}) });
    if (isLockBusy(lease)) {
      if (req.onLocked === "fail") {
        const owner = lease.owner;
        throw new LockHeldError(`workflow '${workflow}' key '${lockKey}' is already running${owner ? ` (pid ${owner.pid} on ${owner.host} since ${new Date(owner.since).toISOString()})` : ""}`, owner ? { pid: owner.pid, host: owner.host, since: new Date(owner.since).toISOString() } : undefined);
      }
      return { status: "skipped", runId: undefined, workflow, key: lockKey, owner: lease.owner ? { pid: lease.owner.pid, host: lease.owner.host, since: lease.owner.since } : undefined };
    }
    try {
      const target = await openTarget(req, lockKey, lease, newRunId);
      if ("outcome" in target) return target.outcome;
      const opened = { ...target, log: fenceLog(target.log, lost.signal), lockLost: lost.signal };
      runId = opened.header.runId;
      req.onRunId?.(runId);
      return await finish(req, opened);
    } finally {
      await lease.release().catch(() => undefined);
    }
  } catch (error) {
    return { status: "failed", runId, workflow, error, exitCode: exitCodeFor(error, false) };
  }
}

interface OpenedRun {
  header: RunHeader;
  /**
   * The epoch written into this execution's records: the lease's, or one above the journal's last epoch if
   * that is higher (an epoch file that lost its last write in a power loss must not make records go back).
   */
  epoch: number;
  log: RunLog;
  state: ReplayState;
  input: unknown;
  resumed: boolean;
}

async function openTarget(req: ExecuteRequest, key: string, lease: RunLease, givenRunId: string | undefined): Promise<OpenedRun | { outcome: RunOutcome }> {
  const { store, definition } = req;
  const logOptions = { durability: definition.options.durability, epoch: lease.epoch };
  let targetId = req.runId;
  if (targetId === undefined && !req.fresh && req.key !== undefined) {
    targetId = (await store.latestRun(definition.name, key, { unfinished: true }))?.runId;
    if (targetId === undefined && req.keyExplicit) {
      // Asked again under the lock: the run of this key may have completed since executeRun first looked.
      const latest = await store.latestRun(definition.name, key);
      if (latest?.status === "completed") {
        const recorded = await recordedOutcome(store, latest.runId);
        // An index that says completed while the journal has no end record (the end was lost): resume it.
        if (recorded === undefined) targetId = latest.runId;
        else return { outcome: recorded };
      }
    }
  }
  if (targetId !== undefined) {
    const { run, log } = await store.openRun(targetId, logOptions);
    if (endedForGood(run.records)) {
      await log.close();
      if (req.runId !== undefined || req.keyExplicit) return { outcome: endOutcome(run.header, lastEnd(run.records)!) };
    } else {
      const recordedInput = run.header.input;
      if (req.inputGiven && !sameEncoded(encodeInput(req.input), recordedInput)) {
        await log.close();
        throw new UsageError(
          `run ${run.header.runId} of '${definition.name}' (key '${key}') is unfinished and was started with a different input. ` +
            `To start a new run with the new input, add --fresh; to resume the unfinished run, drop --input`,
        );
      }
      const state = new ReplayState(run.records);
      if (run.tornTail) req.listeners.forEach((l) => safeCall(l, { type: "run:warning", runId: run.header.runId, workflow: definition.name, at: Date.now(), message: `discarded an incomplete last line (${run.tornTail!.bytes} bytes) at ${run.location}:${run.tornTail!.line}; it was being written when the process stopped` }));
      const epoch = Math.max(lease.epoch, state.journalEpoch + 1);
      return { header: run.header, epoch, log, state, input: decodeValue(recordedInput), resumed: true };
    }
  }
  const newRunId = givenRunId ?? newUlid(definition.options.clock.now());
  const header: RunHeader = {
    v: 1, type: "run", runId: newRunId, workflow: definition.name, key: req.key === undefined ? newRunId : key,
    input: encodeInput(req.input), codeHash: definition.codeHash, entry: req.entry, host: os.hostname(), pid: process.pid,
    startedAt: definition.options.clock.now(),
  };
  if (req.parent) header.parent = req.parent;
  const log = await store.createRun(header, logOptions);
  return { header, epoch: lease.epoch, log, state: new ReplayState([]), input: req.input, resumed: false };
}

async function finish(req: ExecuteRequest, opened: OpenedRun & { lockLost: AbortSignal }): Promise<RunOutcome> {
  const { header } = opened;
  const base = { runId: header.runId, workflow: header.workflow };
  let result: BodyResult;
  try {
    result = await executeBody(req, opened);
  } finally {
    await opened.log.close().catch(() => undefined);
  }
  switch (result.kind) {
    case "completed":
      return { status: "completed", ...base, result: result.value, replayed: false };
    case "waiting":
      return { status: "waiting", ...base, wait: result.wait };
    case "cancelled":
      return { status: "cancelled", ...base, reason: result.reason };
    case "failed":
      return { status: "failed", ...base, error: result.error, exitCode: result.exitCode };
    case "interrupted":
      return { status: "interrupted", ...base, reason: result.reason };
  }
}

function encodeInput(input: unknown): EncodedValue {
  const encoded = encodeValue(input, "input");
  if (encoded instanceof Unserializable) throw new UsageError(`the workflow input has ${encoded.reason} at ${encoded.path}; pass plain data`);
  return encoded;
}

function sameEncoded(a: EncodedValue, b: EncodedValue): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}

/** The outcome of a finished run, from its end record. */
export function endOutcome(header: RunHeader, end: EndRecord): RunOutcome {
  const base = { runId: header.runId, workflow: header.workflow };
  if (end.status === "completed") return { status: "completed", ...base, result: decodeValue(end.out), replayed: true };
  if (end.status === "cancelled") return { status: "cancelled", ...base, reason: end.error?.message ?? null };
  const error = new UsageError(`run ${header.runId} failed and ran its compensations, so it is final; start a new run with --fresh`);
  return { status: "failed", ...base, error, exitCode: 30 };
}

/** The outcome a finished run recorded, or undefined when its journal has no end record after all. */
async function recordedOutcome(store: Store, runId: string): Promise<RunOutcome | undefined> {
  const run = await store.loadRun(runId);
  const end = lastEnd(run.records);
  return end === undefined ? undefined : endOutcome(run.header, end);
}

function safeCall(listener: RunEventListener, event: Parameters<RunEventListener>[0]): void {
  try {
    listener(event);
  } catch {
    // a listener must not break the run
  }
}
