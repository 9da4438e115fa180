/**
 * Events read back from a journal, for streams of runs this engine does not hold in memory. They are
 * synthesized: `run:start` from the header, `step:replay` for every recorded result (steps, children, `now`,
 * `random`, …), `step:retry` and `step:fail` from failed attempts, `run:wait` from suspensions, and the final
 * `run:complete` / `run:fail` / `run:cancel` from the end record. Timing fields come from record times.
 */
import type { RunEvent } from "../events.js";
import { ExitCode } from "../exit-codes.js";
import type { JournalRecord, StoredError } from "../journal/records.js";
import { decodeValue } from "../journal/values.js";
import type { LoadedRun } from "../store/store.js";

/**
 * The events a journal tells of, in record order.
 *
 * @example
 * ```ts
 * for (const event of eventsFromJournal(await store.loadRun(runId))) reader.push(event);
 * ```
 */
export function eventsFromJournal(run: LoadedRun): RunEvent[] {
  const { runId, workflow, key, startedAt } = run.header;
  const base = { runId, workflow };
  const events: RunEvent[] = [{ type: "run:start", ...base, at: startedAt, key }];
  let cancelReason: string | null = null;
  for (const record of run.records) {
    const event = eventOf(record, startedAt, cancelReason);
    if (record.type === "cancel") cancelReason = record.reason;
    if (event !== undefined) events.push({ ...base, at: record.at, ...event } as RunEvent);
  }
  if (run.tornTail) {
    events.push({ type: "run:warning", ...base, at: events.at(-1)?.at ?? startedAt, message: `the journal at ${run.location} ends in an incomplete line (${run.tornTail.bytes} bytes)` });
  }
  return events;
}

type Payload = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, "runId" | "workflow" | "at"> : never) : never;

function eventOf(record: JournalRecord, startedAt: number, cancelReason: string | null): Payload | undefined {
  switch (record.type) {
    case "step":
      return { type: "step:replay", key: record.key };
    case "attempt":
      return record.delayMs === null ? undefined : { type: "step:retry", key: record.key, attempt: record.attempt, error: record.error, delayMs: record.delayMs };
    case "step-failed":
      return { type: "step:fail", key: record.key, attempts: record.attempts, error: record.error };
    case "suspend":
      return { type: "run:wait", wait: record.wait };
    case "end":
      if (record.status === "completed") return { type: "run:complete", result: decodeValue(record.out), ms: record.at - startedAt };
      if (record.status === "cancelled") return { type: "run:cancel", reason: cancelReason };
      return { type: "run:fail", error: record.error ?? { name: "Error", message: "failed" }, exitCode: exitCodeOfStored(record.error) };
    default:
      return undefined;
  }
}

const EXIT_CODE_BY_NAME: Record<string, number> = {
  StepFailedError: ExitCode.StepFailed,
  NonDeterminismError: ExitCode.NonDeterminism,
  PersistenceError: ExitCode.Persistence,
  JournalCorruptError: ExitCode.Persistence,
  LockHeldError: ExitCode.Locked,
  LockLostError: ExitCode.Locked,
  RunCancelledError: ExitCode.Cancelled,
  InternalError: ExitCode.Internal,
};

/** The exit code of a journaled run failure, as `exitCodeFor` gave it for errors thrown by workflow code. */
function exitCodeOfStored(error: StoredError | undefined): number {
  return (error && EXIT_CODE_BY_NAME[error.name]) ?? ExitCode.WorkflowError;
}
