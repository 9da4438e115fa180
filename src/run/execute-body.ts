/**
 * Running the workflow function of an opened run: replay, suspension, cancellation, compensation, and the
 * record that says how the run ended.
 */
import { RunContext } from "../context-impl.js";
import {
  JournalCorruptError, LockLostError, NonDeterminismError, PersistenceError, RunCancelledError,
  StepResultNotSerializableError,
} from "../errors.js";
import type { RunEventMap, RunEventType, WaitInfo } from "../events.js";
import { exitCodeFor } from "../exit-codes.js";
import type { CancelRecord, CompensateRecord, EndRecord, JournalRecord, SuspendRecord } from "../journal/records.js";
import { Unserializable, encodeValue, storeError } from "../journal/values.js";
import { breakerRegistryFor } from "../policies/breaker-registry.js";
import type { ActiveRun } from "./active-run.js";
import { EventFanout } from "./active-run.js";
import type { ExecuteRequest } from "./execute.js";
import type { ReplayState } from "./replay-state.js";

/** How the body ended. */
export type BodyResult =
  | { kind: "completed"; value: unknown }
  | { kind: "waiting"; wait: WaitInfo }
  | { kind: "cancelled"; reason: string | null }
  | { kind: "failed"; error: unknown; exitCode: number }
  | { kind: "interrupted"; reason: string };

interface Opened {
  header: ActiveRun["header"];
  epoch: number;
  /** Aborted when the run's lock is lost: the run stops at once (exit 70) and appends nothing more. */
  lockLost: AbortSignal;
  log: ActiveRun["log"];
  state: ReplayState;
  input: unknown;
  resumed: boolean;
}

/** How long in-flight steps get to settle after a cancellation before compensations run. */
const CANCEL_GRACE_MS = 2000;

/** Executes the workflow function of an opened run and journals how it ended. */
export async function executeBody(req: ExecuteRequest, opened: Opened): Promise<BodyResult> {
  if (req.shutdown?.aborted) return { kind: "interrupted", reason: "shut down before the run started" };
  const { definition, store } = req;
  const { header, log, state } = opened;
  const clock = definition.options.clock;
  const fanout = new EventFanout(header.runId, header.workflow, clock.now);
  for (const l of req.listeners) fanout.add(l);
  const controller = new AbortController();
  const inboxChanged = new EventTarget();
  let resolveSuspend!: (wait: WaitInfo) => void;
  const suspended = new Promise<WaitInfo>((resolve) => (resolveSuspend = resolve));
  let resolveCancel!: (reason: string | null) => void;
  const cancelled = new Promise<string | null>((resolve) => (resolveCancel = resolve));
  let cancelReason: string | null | undefined;
  const cancel = (reason: string | null) => {
    if (cancelReason !== undefined) return;
    cancelReason = reason;
    controller.abort(new RunCancelledError(reason ?? undefined));
    resolveCancel(reason);
  };
  let resolveShutdown!: (reason: string) => void;
  const shutdown = new Promise<string>((resolve) => (resolveShutdown = resolve));
  const onShutdown = () => {
    const reason = req.shutdown?.reason instanceof Error ? req.shutdown.reason.message : String(req.shutdown?.reason ?? "shutdown");
    controller.abort(req.shutdown?.reason);
    resolveShutdown(reason);
  };
  req.shutdown?.addEventListener("abort", onShutdown, { once: true });
  let resolveLost!: (error: unknown) => void;
  const lost = new Promise<unknown>((resolve) => (resolveLost = resolve));
  const onLost = () => {
    controller.abort(opened.lockLost.reason);
    resolveLost(opened.lockLost.reason);
  };
  opened.lockLost.addEventListener("abort", onLost, { once: true });
  const onCallerAbort = () => {
    const reason: unknown = req.signal?.reason;
    cancel(reason instanceof RunCancelledError ? (reason.reason ?? null) : reason instanceof Error ? reason.message : "aborted by the caller");
  };
  req.signal?.addEventListener("abort", onCallerAbort, { once: true });
  if (req.signal?.aborted) onCallerAbort();

  const checkCancel = () => {
    store.cancelRequest(header.runId).then((request) => request && cancel(request.reason), () => undefined);
  };
  const unwatch = store.watchInbox(header.runId, () => {
    inboxChanged.dispatchEvent(new Event("change"));
    checkCancel();
  });
  const pendingCancel = await store.cancelRequest(header.runId);
  if (pendingCancel) cancel(pendingCancel.reason);

  const run: ActiveRun = {
    header, state, log, store, epoch: opened.epoch, options: definition.options, signal: controller.signal,
    suspendable: req.suspendable, breakers: breakerRegistryFor(store, clock), compensations: [], inboxChanged,
    emit: <K extends RunEventType>(type: K, payload: RunEventMap[K]) => fanout.emit(type, payload),
    record: <R extends JournalRecord>(fields: Omit<R, "epoch" | "at">) => ({ ...fields, epoch: opened.epoch, at: clock.now() }) as R,
    suspend: (wait) => {
      resolveSuspend(wait);
      return new Promise<never>(() => undefined);
    },
  };
  if (opened.resumed) {
    fanout.emit("run:resume", { key: header.key, recordedSteps: state.recordedSteps });
    if (header.codeHash !== definition.codeHash) {
      fanout.emit("run:warning", { message: `the workflow code changed since run ${header.runId} started (code hash ${header.codeHash} -> ${definition.codeHash}); recorded steps are replayed by name` });
    }
  } else fanout.emit("run:start", { key: header.key });
  const startedAt = performance.now();

  try {
    const body = Promise.resolve().then(() => definition.fn(new RunContext(run), opened.input));
    type Race =
      | { kind: "done"; value: unknown } | { kind: "threw"; error: unknown } | { kind: "suspend"; wait: WaitInfo }
      | { kind: "cancel"; reason: string | null } | { kind: "shutdown"; reason: string } | { kind: "lost"; error: unknown };
    const first: Race = await Promise.race<Race>([
      body.then((value) => ({ kind: "done", value }), (error: unknown) => ({ kind: "threw", error })),
      suspended.then((wait) => ({ kind: "suspend", wait })),
      cancelled.then((reason) => ({ kind: "cancel", reason })),
      shutdown.then((reason) => ({ kind: "shutdown", reason })),
      lost.then((error) => ({ kind: "lost", error })),
    ]);
    if (first.kind === "lost" || opened.lockLost.aborted) throw opened.lockLost.reason;
    if (first.kind === "shutdown" || req.shutdown?.aborted) {
      // Stopped by a signal: in-flight steps saw their signal abort; the run stays resumable, nothing is ended.
      await settleWithin(body, definition.options.shutdownGraceMs);
      await log.flush().catch(() => undefined);
      return { kind: "interrupted", reason: first.kind === "shutdown" ? first.reason : "shutdown" };
    }
    if (first.kind === "cancel" || (first.kind === "threw" && cancelReason !== undefined)) {
      await settleWithin(body, CANCEL_GRACE_MS);
      return await endCancelled(run, cancelReason ?? null);
    }
    if (first.kind === "suspend") {
      await log.appendDurable(run.record<SuspendRecord>({ type: "suspend", wait: first.wait, codeHash: definition.codeHash }));
      fanout.emit("run:wait", { wait: first.wait });
      return { kind: "waiting", wait: first.wait };
    }
    if (first.kind === "done") {
      if (definition.options.strict) state.checkNoMissingCalls();
      const encoded = encodeValue(first.value, "output");
      if (encoded instanceof Unserializable) throw new StepResultNotSerializableError("(workflow output)", encoded.path, encoded.reason);
      const orphaned = state.orphaned();
      if (orphaned.length > 0) {
        fanout.emit("run:warning", { message: `recorded calls the code no longer reaches (kept in the journal): ${orphaned.map((k) => `'${k}'`).join(", ")}` });
      }
      await log.appendDurable(run.record<EndRecord>({ type: "end", status: "completed", out: encoded, codeHash: definition.codeHash, ...(orphaned.length > 0 ? { orphaned } : {}) }));
      await resolveDeadLetters(run);
      fanout.emit("run:complete", { result: first.value, ms: Math.round(performance.now() - startedAt) });
      return { kind: "completed", value: first.value };
    }
    throw first.error;
  } catch (error) {
    return await endFailed(run, error, fanout);
  } finally {
    unwatch();
    req.signal?.removeEventListener("abort", onCallerAbort);
    req.shutdown?.removeEventListener("abort", onShutdown);
    opened.lockLost.removeEventListener("abort", onLost);
  }
}

/** Errors after which nothing more may be appended: the journal or lock cannot be trusted, or the code diverged. */
function isStopError(error: unknown): boolean {
  return error instanceof PersistenceError || error instanceof JournalCorruptError || error instanceof LockLostError || error instanceof NonDeterminismError;
}

async function endFailed(run: ActiveRun, error: unknown, fanout: EventFanout): Promise<BodyResult> {
  const exitCode = exitCodeFor(error, true);
  const stored = storeError(error);
  if (!isStopError(error)) {
    try {
      const compensated = await compensate(run);
      await run.log.appendDurable(run.record<EndRecord>({ type: "end", status: "failed", error: stored, ...(compensated ? { compensated } : {}) }));
    } catch (appendError) {
      if (isStopError(appendError)) return fail(fanout, appendError, exitCodeFor(appendError, false));
      throw appendError;
    }
  }
  return fail(fanout, error, exitCode);
}

function fail(fanout: EventFanout, error: unknown, exitCode: number): BodyResult {
  fanout.emit("run:fail", { error: storeError(error), exitCode });
  return { kind: "failed", error, exitCode };
}

async function endCancelled(run: ActiveRun, reason: string | null): Promise<BodyResult> {
  await compensate(run);
  run.log.append(run.record<CancelRecord>({ type: "cancel", reason }));
  await run.log.appendDurable(run.record<EndRecord>({ type: "end", status: "cancelled", error: { name: "RunCancelledError", message: reason ?? "cancelled" } }));
  run.emit("run:cancel", { reason });
  return { kind: "cancelled", reason };
}

/**
 * Runs the compensations of completed steps in reverse order, each journaled, skipping those a previous
 * process already ran. Returns true when there were any.
 */
async function compensate(run: ActiveRun): Promise<boolean> {
  if (run.compensations.length === 0) return false;
  for (const { key, run: undo } of [...run.compensations].reverse()) {
    if (run.state.compensated.has(key)) continue;
    const record: Omit<CompensateRecord, "epoch" | "at"> = { type: "compensate", key };
    try {
      await undo();
    } catch (error) {
      record.error = storeError(error);
    }
    await run.log.appendDurable(run.record<CompensateRecord>(record));
    run.state.compensated.add(key);
  }
  return true;
}

async function resolveDeadLetters(run: ActiveRun): Promise<void> {
  if (!run.state.hadFailures) return;
  const open = await run.store.dlq.list({ runId: run.header.runId, status: "open" });
  // Only steps that now have a result are resolved; items dead-lettered by ctx.map's continueOnError stay open.
  for (const entry of open) {
    if (run.state.results.has(entry.stepKey)) await run.store.dlq.setStatus(entry.id, "resolved", run.options.clock.now());
  }
}

function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    promise.then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}
