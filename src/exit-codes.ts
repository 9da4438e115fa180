/**
 * The exit codes of `main()` and the CLI (DESIGN 10), and the mapping from errors to them.
 */
import {
  InternalError, JournalCorruptError, LockHeldError, LockLostError, NonDeterminismError, PersistenceError,
  RunCancelledError, StepFailedError, UsageError,
} from "./errors.js";

/**
 * Exit codes of `main()` and the `steplog` CLI.
 *
 * @example
 * ```ts
 * if (code === ExitCode.Waiting) console.log("suspended; rerun later");
 * ```
 */
export const ExitCode = {
  /** Completed, or skipped because another process holds the lock (onLocked "skip"). */
  Ok: 0,
  /** Invalid usage or input: a bad flag, input failing its schema, an unknown run id. */
  Usage: 10,
  /** The workflow function threw outside any step. */
  WorkflowError: 20,
  /** A step failed for good (dead-lettered). */
  StepFailed: 30,
  /** Waiting: suspended on a sleep or an event; not a failure. */
  Waiting: 40,
  /** Cancelled. */
  Cancelled: 50,
  /** Persistence error: journal unreadable or corrupt, disk full, permissions. */
  Persistence: 60,
  /** The lock is held by another process (onLocked "fail"), or was lost while running. */
  Locked: 70,
  /** Non-determinism detected (strict mode). */
  NonDeterminism: 80,
  /** Internal error: a bug in steplog. */
  Internal: 90,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code for an error that ended a run or a command; `inWorkflow` marks errors thrown by workflow code. */
export function exitCodeFor(error: unknown, inWorkflow: boolean): ExitCodeValue {
  if (error instanceof StepFailedError) return ExitCode.StepFailed;
  if (error instanceof NonDeterminismError) return ExitCode.NonDeterminism;
  if (error instanceof PersistenceError || error instanceof JournalCorruptError) return ExitCode.Persistence;
  if (error instanceof LockHeldError || error instanceof LockLostError) return ExitCode.Locked;
  if (error instanceof RunCancelledError) return ExitCode.Cancelled;
  if (error instanceof InternalError) return ExitCode.Internal;
  if (inWorkflow) return ExitCode.WorkflowError;
  if (error instanceof UsageError) return ExitCode.Usage;
  return ExitCode.Internal;
}
