/**
 * The interfaces a workflow author touches: the workflow context and the step context.
 */
import type { StepOptions } from "./options.js";
import type { Workflow } from "./workflow.js";

/**
 * What a step function receives.
 *
 * @example
 * ```ts
 * await ctx.step("email", ({ signal, idempotencyKey, attempt, log }) => {
 *   log(`attempt ${attempt}`);
 *   return mail.send(msg, { signal, headers: { "Idempotency-Key": idempotencyKey } });
 * });
 * ```
 */
export interface StepContext {
  /** Aborted when the attempt times out, the run is cancelled, or the process is asked to stop. */
  signal: AbortSignal;
  /** The attempt number, starting at 1. */
  attempt: number;
  /**
   * Stable for this run and step across attempts and reruns (`<runId>:<stepKey>`): pass it to external APIs
   * so that a step executed twice (at-least-once) has its side effect applied once.
   */
  idempotencyKey: string;
  /** Writes a line to the run's log (stderr of `main()`, `step:log` events). */
  log: (message: string) => void;
}

/**
 * Options of `ctx.waitForEvent`.
 *
 * @example
 * ```ts
 * const ok = await ctx.waitForEvent("approval", { timeoutMs: 86_400_000, schema: z.object({ ok: z.boolean() }) });
 * ```
 */
export interface WaitForEventOptions<T> {
  /** Give up after this long: the wait throws EventTimeoutError (catchable). @default no timeout */
  timeoutMs?: number;
  /** Any Standard Schema validator (zod, valibot, arktype): an invalid payload is rejected and not consumed. */
  schema?: StandardSchemaLike<T>;
}

/**
 * The part of the Standard Schema interface (standardschema.dev) steplog uses; no validator library is required.
 *
 * @example
 * ```ts
 * const schema: StandardSchemaLike<{ ok: boolean }> = z.object({ ok: z.boolean() });
 * ```
 */
export interface StandardSchemaLike<T> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<T> | Promise<StandardResult<T>>;
  };
}

/** A Standard Schema validation result. */
export type StandardResult<T> =
  | { readonly value: T; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> }> };

/**
 * Options of `ctx.map`.
 *
 * @example
 * ```ts
 * const out = await ctx.map("send", users, (u) => send(u), { concurrency: 8, continueOnError: true });
 * ```
 */
export interface MapOptions<R> extends StepOptions<R> {
  /** How many items run at once. @default 1 */
  concurrency?: number;
  /** A failed item goes to the dead-letter queue and the others continue. @default false */
  continueOnError?: boolean;
}

/**
 * The result of `ctx.map`: one entry per item, in item order.
 *
 * @example
 * ```ts
 * const { results, failed } = await ctx.map("import", rows, save, { continueOnError: true });
 * ```
 */
export interface MapResult<R> {
  /** The result of each item, `undefined` for failed items. */
  results: (R | undefined)[];
  /**
   * The items that failed for good (dead-lettered), with their index, step key and error (plain data, so the
   * map result can be journaled and returned from the workflow).
   */
  failed: { index: number; key: string; error: { name: string; message: string; code?: string } }[];
}

/**
 * Options of `ctx.child`.
 *
 * @example
 * ```ts
 * const invoice = await ctx.child(billing, { orderId }, { key: orderId });
 * ```
 */
export interface ChildOptions {
  /** The child run's key. @default `<parent runId>:<step key>` */
  key?: string;
}

/**
 * What a workflow function receives: journaled steps and everything else that must replay identically.
 *
 * @example
 * ```ts
 * const wf = workflow("signup", async (ctx, input: { email: string }) => {
 *   const user = await ctx.step("create user", () => db.createUser(input.email));
 *   await ctx.sleep("grace period", 10 * 60_000);
 *   await ctx.step("welcome mail", ({ idempotencyKey }) => mail.welcome(user, { idempotencyKey }));
 * });
 * ```
 */
export interface WorkflowContext {
  /** This run's id (a ULID). */
  readonly runId: string;
  /** The workflow's name. */
  readonly workflow: string;
  /** This run's key. */
  readonly key: string;
  /**
   * Runs `fn` once per run: its result is journaled, and a rerun returns the recorded result without running
   * it. The n-th call with the same name in a run gets the key `name#n` (n >= 2).
   */
  step<T>(name: string, fn: (step: StepContext) => T | Promise<T>, options?: StepOptions<Awaited<T>>): Promise<Awaited<T>>;
  /** A durable sleep: the wake time is journaled; a long sleep suspends a script (exit 40). */
  sleep(name: string, ms: number): Promise<void>;
  /** A durable sleep until a point in time. */
  sleepUntil(name: string, until: Date | number): Promise<void>;
  /** Waits durably for an event sent with `steplog send <runId> <name>` or `engine.send`. */
  waitForEvent<T = unknown>(name: string, options?: WaitForEventOptions<T>): Promise<T>;
  /** `Date.now()`, journaled so that a replay sees the same value. */
  now(): Promise<number>;
  /** `Math.random()`, journaled. */
  random(): Promise<number>;
  /** `crypto.randomUUID()`, journaled. */
  uuid(): Promise<string>;
  /** True for runs that first reached this point after the patch existed; false when replaying older runs. */
  patched(id: string): Promise<boolean>;
  /** Runs another workflow as a child run; its result is memoized like a step. */
  child<I, O>(workflow: Workflow<I, O>, input: I, options?: ChildOptions): Promise<O>;
  /** One step per item (`name#1`… keys by index: `name[0]`, `name[1]`, …), with bounded concurrency. */
  map<T, R>(name: string, items: readonly T[], fn: (item: T, index: number, step: StepContext) => R | Promise<R>, options?: MapOptions<Awaited<R>>): Promise<MapResult<Awaited<R>>>;
}
