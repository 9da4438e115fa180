/**
 * Option types of every entry point, each field with its default, and the functions that resolve them.
 */
import { path } from "./builtins.js";
import { systemClock, type Clock, type RandomSource } from "./clock.js";
import { UsageError } from "./errors.js";
import type { RunEventListener } from "./events.js";
import type { Durability } from "./journal/writer.js";
import type { BreakerOptions, RetryOptions } from "./policies/options.js";
import type { AlertOptions } from "./report/alerts.js";
import type { OnLocked, Store } from "./store/store.js";

/** Default cap on a step's encoded output: 64 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Options of one step (`ctx.step(name, fn, options)`).
 *
 * @example
 * ```ts
 * await ctx.step("charge", charge, { retry: { retries: 5 }, timeoutMs: 10_000, breaker: "payments",
 *   compensate: (receipt) => refund(receipt.id), onInDoubt: "fail" });
 * ```
 */
export interface StepOptions<T = unknown> {
  /**
   * Retry policy; a number is the retry count; `false` makes one attempt only.
   * @default the workflow's `retry` (3 retries, 1 s first delay, factor 2, at most 30 s, jittered)
   */
  retry?: RetryOptions | number | false;
  /**
   * Per-attempt timeout: the attempt's `signal` is aborted and the attempt fails with StepTimeoutError.
   * @default the workflow's `timeoutMs` (none)
   */
  timeoutMs?: number;
  /**
   * A named circuit breaker shared by every step naming it in the process (and its state across runs).
   * @default none
   */
  breaker?: string | BreakerOptions;
  /**
   * Saga rollback: when the run fails for good, compensations of completed steps run in reverse order.
   * @default none
   */
  compensate?: (result: T) => unknown;
  /**
   * What to do with a step that was started but has no recorded result after a crash: run it again with the
   * same idempotency key ("rerun"), or send it to the dead-letter queue ("fail", for non-idempotent work).
   * @default "rerun"
   */
  onInDoubt?: "rerun" | "fail";
  /**
   * Largest encoded result accepted, in bytes.
   * @default the workflow's `maxOutputBytes` (64 MiB)
   */
  maxOutputBytes?: number;
}

/**
 * Options of `workflow(name, fn, options)`.
 *
 * @example
 * ```ts
 * workflow("nightly", fn, { strict: true, retry: { retries: 5 }, timeoutMs: 30_000, durability: "fsync" });
 * ```
 */
export interface WorkflowOptions {
  /**
   * Also check the order and kind of calls against the journal; a divergence throws NonDeterminismError (exit 80).
   * @default false
   */
  strict?: boolean;
  /**
   * "fsync": a step's record survives power loss once `ctx.step` resolves. "process": it survives a process
   * crash but not power loss (write(2) only; much faster).
   * @default "fsync"
   */
  durability?: Durability;
  /** Default retry policy of every step. @default 3 retries, 1 s first delay, factor 2, at most 30 s, jittered */
  retry?: RetryOptions | number | false;
  /** Default per-attempt timeout of every step, in ms. @default none */
  timeoutMs?: number;
  /** Default cap on a step's encoded result, in bytes. @default 67_108_864 (64 MiB) */
  maxOutputBytes?: number;
  /**
   * The state directory of the file store.
   * @default env `STEPLOG_DIR`, else `.steplog/` beside the entry script (so cron's working directory does not matter)
   */
  dir?: string;
  /** A store to use instead of the file store (for example PostgreSQL). @default the file store at `dir` */
  store?: Store;
  /**
   * A script suspends (exit 40) on a sleep longer than this instead of waiting in the process.
   * @default 60_000
   */
  suspendAfterMs?: number;
  /** Alert channels for run failure, dead letters and abnormal exit. @default from env vars (STEPLOG_NTFY_URL, …) */
  alerts?: AlertOptions;
  /** Listener of every run event. @default none */
  onEvent?: RunEventListener;
  /** Time source (tests inject one). @default the system clock */
  clock?: Clock;
  /** Random source for retry jitter (tests inject one). @default Math.random */
  random?: RandomSource;
  /** On SIGINT/SIGTERM, how long in-flight steps get to finish after their signal aborts. @default 2_000 */
  shutdownGraceMs?: number;
}

/**
 * Options of `wf.run(input, options)`.
 *
 * @example
 * ```ts
 * await report.run({ day }, { key: day });          // once per day: a completed key returns its result
 * await report.run({ day }, { runId: "01JD…" });    // resume that run
 * ```
 */
export interface RunOptions {
  /** Idempotency key: a completed run with this key returns its recorded result; an unfinished one resumes. @default a new run each call */
  key?: string;
  /** Resume this run. @default none */
  runId?: string;
  /** Start a new run even if an unfinished one exists for the key. @default false */
  fresh?: boolean;
  /** State directory, overriding the workflow's. @default the workflow's `dir` */
  dir?: string;
  /** Store, overriding the workflow's. @default the workflow's store */
  store?: Store;
  /** When another process runs the same workflow and key: wait for it, skip, or fail. @default "wait" */
  onLocked?: OnLocked;
  /** Aborting it cancels the run (in-flight steps see their signal abort). @default none */
  signal?: AbortSignal;
}

/** Workflow options with defaults applied. */
export interface ResolvedWorkflowOptions {
  strict: boolean;
  durability: Durability;
  retry: RetryOptions | number | false | undefined;
  timeoutMs: number | undefined;
  maxOutputBytes: number;
  suspendAfterMs: number;
  clock: Clock;
  random: RandomSource;
  shutdownGraceMs: number;
}

/** Applies the defaults of {@link WorkflowOptions} and validates them early, naming the option. */
export function resolveWorkflowOptions(options: WorkflowOptions): ResolvedWorkflowOptions {
  if (options.durability !== undefined && options.durability !== "fsync" && options.durability !== "process") {
    throw new UsageError(`Expected \`durability\` to be "fsync" or "process", got ${JSON.stringify(options.durability)}`);
  }
  checkPositive("maxOutputBytes", options.maxOutputBytes);
  checkNonNegative("suspendAfterMs", options.suspendAfterMs);
  checkPositive("timeoutMs", options.timeoutMs);
  checkNonNegative("shutdownGraceMs", options.shutdownGraceMs);
  return {
    strict: options.strict ?? false,
    durability: options.durability ?? "fsync",
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    suspendAfterMs: options.suspendAfterMs ?? 60_000,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    shutdownGraceMs: options.shutdownGraceMs ?? 2000,
  };
}

/** Throws UsageError unless `value` is undefined or a positive finite number. */
export function checkPositive(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value) || value <= 0)) {
    throw new UsageError(`Expected \`${name}\` to be a positive number, got ${String(value)}`);
  }
}

/** Throws UsageError unless `value` is undefined or a non-negative finite number. */
export function checkNonNegative(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value) || value < 0)) {
    throw new UsageError(`Expected \`${name}\` to be a non-negative number, got ${String(value)}`);
  }
}

/**
 * The state directory: the explicit option, else `STEPLOG_DIR`, else `.steplog/` beside the entry script
 * (or in the working directory when there is no entry script, as in a REPL).
 */
export function resolveStateDir(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined) return path.resolve(explicit);
  if (env.STEPLOG_DIR) return path.resolve(env.STEPLOG_DIR);
  const script = process.argv[1];
  return script ? path.join(path.dirname(path.resolve(script)), ".steplog") : path.resolve(".steplog");
}
