/**
 * Every error steplog throws. Each class has a stable `code` and a set `name`, passes `cause` through,
 * and is `instanceof`-safe across copies of the module (the check looks at a registered symbol and the code,
 * not at the class identity).
 */

const MARK = Symbol.for("steplog.error");

/** Options accepted by every steplog error constructor. */
export interface SteplogErrorOptions {
  /** The underlying error, kept as `error.cause`. */
  cause?: unknown;
}

/**
 * Base class of every error steplog throws.
 *
 * @example
 * ```ts
 * try { await nightly.run(input) } catch (error) {
 *   if (error instanceof SteplogError) console.error(error.code, error.message);
 * }
 * ```
 */
export class SteplogError extends Error {
  /** A stable machine-readable code, such as `"STEP_TIMEOUT"`. */
  readonly code: string = "STEPLOG_ERROR";
  readonly [MARK] = true;

  constructor(message: string, options?: SteplogErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const named = (new.target.prototype as { name?: string }).name;
    this.name = named !== undefined && named !== "Error" ? named : "SteplogError";
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== "object" || value === null || (value as Record<symbol, unknown>)[MARK] !== true) return false;
    if (this === SteplogError) return true;
    const code = (this as unknown as { CODE?: string }).CODE;
    return code !== undefined && (value as { code?: unknown }).code === code;
  }
}
Object.defineProperty(SteplogError, "name", { value: "SteplogError", configurable: true });

/**
 * Names an error class: its instances' `name`, and the class's own `name` (what `err.constructor.name` and
 * loggers such as pino's error serializer report). The bundler renames a class that refers to itself in its body
 * (`RunCancelledError.CODE`) to `_RunCancelledError`, so the class's name is set here rather than left to it.
 */
function defineCode(cls: { CODE: string; prototype: { name: string } }, name: string): void {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
  Object.defineProperty(cls, "name", { value: name, configurable: true });
}

/**
 * Thrown by a step to fail it for good: it is never retried and goes straight to the dead-letter queue.
 *
 * @example
 * ```ts
 * await ctx.step("charge", async () => {
 *   const res = await pay();
 *   if (res.status === 402) throw new TerminalError("card declined");
 * });
 * ```
 */
export class TerminalError extends SteplogError {
  static readonly CODE = "TERMINAL";
  override readonly code = TerminalError.CODE;
}
defineCode(TerminalError, "TerminalError");

/** Options of {@link RetryableError}. */
export interface RetryableErrorOptions extends SteplogErrorOptions {
  /** Wait at least this long before the next attempt (for example from a `Retry-After` header). */
  retryAfterMs?: number;
}

/**
 * Thrown by a step to ask for a retry, optionally after a given delay.
 *
 * @example
 * ```ts
 * if (res.status === 429) throw new RetryableError("rate limited", { retryAfterMs: 30_000 });
 * ```
 */
export class RetryableError extends SteplogError {
  static readonly CODE = "RETRYABLE";
  override readonly code = RetryableError.CODE;
  /** The smallest delay before the next attempt, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: RetryableErrorOptions) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}
defineCode(RetryableError, "RetryableError");

/**
 * An attempt ran longer than its `timeoutMs`. Its `AbortSignal` was aborted; the attempt is retried.
 *
 * @example
 * ```ts
 * if (error instanceof StepTimeoutError) console.log(error.timeoutMs);
 * ```
 */
export class StepTimeoutError extends SteplogError {
  static readonly CODE = "STEP_TIMEOUT";
  override readonly code = StepTimeoutError.CODE;
  constructor(
    readonly stepKey: string,
    readonly timeoutMs: number,
  ) {
    super(`step '${stepKey}' timed out after ${timeoutMs} ms (its AbortSignal was aborted)`);
  }
}
defineCode(StepTimeoutError, "StepTimeoutError");

/**
 * The named circuit breaker is open: the attempt failed fast without calling the step.
 *
 * @example
 * ```ts
 * if (error instanceof CircuitOpenError) console.log(`${error.breaker} open until ${error.openUntil}`);
 * ```
 */
export class CircuitOpenError extends SteplogError {
  static readonly CODE = "CIRCUIT_OPEN";
  override readonly code = CircuitOpenError.CODE;
  constructor(
    readonly breaker: string,
    readonly openUntil: Date | undefined,
  ) {
    super(`circuit '${breaker}' is open${openUntil ? ` until ${openUntil.toISOString()}` : ""}; the call was not made`);
  }
}
defineCode(CircuitOpenError, "CircuitOpenError");

/**
 * A step returned a value the journal cannot store and read back unchanged. The step is not retried (its
 * side effect already happened) and goes to the dead-letter queue.
 *
 * @example
 * ```ts
 * // throws: step 'load' returned a function at result.onDone
 * await ctx.step("load", () => ({ onDone() {} }));
 * ```
 */
export class StepResultNotSerializableError extends SteplogError {
  static readonly CODE = "STEP_RESULT_NOT_SERIALIZABLE";
  override readonly code = StepResultNotSerializableError.CODE;
  constructor(
    readonly stepKey: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `step '${stepKey}' returned ${reason} at ${path}, which the journal cannot store and read back unchanged; ` +
        `return plain data (JSON, Date, Map, Set, BigInt, RegExp, URL, Buffer, typed arrays, undefined) instead`,
    );
  }
}
defineCode(StepResultNotSerializableError, "StepResultNotSerializableError");

/**
 * A step's encoded result is larger than `maxOutputBytes`.
 *
 * @example
 * ```ts
 * await ctx.step("big", () => hugeArray, { maxOutputBytes: 256 * 1024 * 1024 });
 * ```
 */
export class StepOutputTooLargeError extends SteplogError {
  static readonly CODE = "STEP_OUTPUT_TOO_LARGE";
  override readonly code = StepOutputTooLargeError.CODE;
  constructor(
    readonly stepKey: string,
    readonly bytes: number | undefined,
    readonly limitBytes: number,
  ) {
    super(
      `step '${stepKey}' returned ${bytes === undefined ? "more than the engine can encode" : `${bytes} bytes`}, over the ` +
        `limit of ${limitBytes} bytes; store large data elsewhere and return a reference, or raise maxOutputBytes`,
    );
  }
}
defineCode(StepOutputTooLargeError, "StepOutputTooLargeError");

/**
 * A step failed for good (retries exhausted, a {@link TerminalError}, or an unserializable result). It was
 * written to the dead-letter queue; the original error is `cause`.
 *
 * @example
 * ```ts
 * try { await ctx.step("charge", charge) } catch (e) { if (e instanceof StepFailedError) await ctx.step("refund", refund) }
 * ```
 */
export class StepFailedError extends SteplogError {
  static readonly CODE = "STEP_FAILED";
  override readonly code = StepFailedError.CODE;
  constructor(
    readonly stepKey: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`step '${stepKey}' failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${messageOf(cause)}`, { cause });
  }
}
defineCode(StepFailedError, "StepFailedError");

/**
 * A journal line other than a torn last line cannot be read. The run is not resumed and nothing is appended.
 *
 * @example
 * ```ts
 * if (error instanceof JournalCorruptError) console.error(`${error.file}:${error.line}`);
 * ```
 */
export class JournalCorruptError extends SteplogError {
  static readonly CODE = "JOURNAL_CORRUPT";
  override readonly code = JournalCorruptError.CODE;
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(
      `journal ${file}:${line} is corrupt (${reason}); steplog will not resume this run or append to it. ` +
        `Inspect the file, restore it from a backup, or start a new run with --fresh`,
    );
  }
}
defineCode(JournalCorruptError, "JournalCorruptError");

/**
 * The journal or state could not be written or read (disk full, permissions, fsync failure, a symlink).
 *
 * @example
 * ```ts
 * if (error instanceof PersistenceError) process.exitCode = 60;
 * ```
 */
export class PersistenceError extends SteplogError {
  static readonly CODE = "PERSISTENCE";
  override readonly code = PersistenceError.CODE;
}
defineCode(PersistenceError, "PersistenceError");

/**
 * In strict mode, the workflow code called steps in a different order or of a different kind than the journal
 * recorded.
 *
 * @example
 * ```ts
 * workflow("billing", fn, { strict: true }); // resume throws NonDeterminismError on a reordered step
 * ```
 */
export class NonDeterminismError extends SteplogError {
  static readonly CODE = "NON_DETERMINISM";
  override readonly code = NonDeterminismError.CODE;
}
defineCode(NonDeterminismError, "NonDeterminismError");

/**
 * Invalid usage or input: a bad flag, an input that fails validation, an unknown or malformed run id.
 *
 * @example
 * ```ts
 * await wf.run(input, { runId: "../etc" }); // throws UsageError
 * ```
 */
export class UsageError extends SteplogError {
  static readonly CODE = "USAGE";
  override readonly code = UsageError.CODE;
}
defineCode(UsageError, "UsageError");

/**
 * Another process holds the run's lock (with `onLocked: "fail"`).
 *
 * @example
 * ```ts
 * if (error instanceof LockHeldError) console.log(`held by pid ${error.owner?.pid}`);
 * ```
 */
export class LockHeldError extends SteplogError {
  static readonly CODE = "LOCK_HELD";
  override readonly code = LockHeldError.CODE;
  constructor(
    message: string,
    readonly owner?: { pid: number; host: string; since: string },
  ) {
    super(message);
  }
}
defineCode(LockHeldError, "LockHeldError");

/**
 * The run's lock was lost while the run executed (another process took it over); the run stops appending.
 *
 * @example
 * ```ts
 * if (error instanceof LockLostError) process.exitCode = 60;
 * ```
 */
export class LockLostError extends SteplogError {
  static readonly CODE = "LOCK_LOST";
  override readonly code = LockLostError.CODE;
}
defineCode(LockLostError, "LockLostError");

/**
 * The run was cancelled (`steplog cancel`, `engine.cancel`, or a signal). Thrown into in-flight code.
 *
 * @example
 * ```ts
 * if (error instanceof RunCancelledError) console.log(error.reason);
 * ```
 */
export class RunCancelledError extends SteplogError {
  static readonly CODE = "RUN_CANCELLED";
  override readonly code = RunCancelledError.CODE;
  constructor(readonly reason: string | undefined) {
    super(`run cancelled${reason ? `: ${reason}` : ""}`);
  }
}
defineCode(RunCancelledError, "RunCancelledError");

/**
 * `ctx.waitForEvent` reached its `timeoutMs` before the event arrived. Catchable inside the workflow.
 *
 * @example
 * ```ts
 * try { await ctx.waitForEvent("approval", { timeoutMs: 86_400_000 }) } catch (e) { if (e instanceof EventTimeoutError) return "expired" }
 * ```
 */
export class EventTimeoutError extends SteplogError {
  static readonly CODE = "EVENT_TIMEOUT";
  override readonly code = EventTimeoutError.CODE;
}
defineCode(EventTimeoutError, "EventTimeoutError");

/**
 * A bug in steplog itself. Please report it with the message and stack.
 *
 * @example
 * ```ts
 * if (error instanceof InternalError) reportBug(error);
 * ```
 */
export class InternalError extends SteplogError {
  static readonly CODE = "INTERNAL";
  override readonly code = InternalError.CODE;
}
defineCode(InternalError, "InternalError");

/** The message of anything thrown, for error texts. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : safeString(error);
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
