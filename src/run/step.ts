/**
 * `ctx.step`: replay a recorded result, or run the function under its policies and journal the result.
 */
import type { StepContext } from "../context.js";
import { StepFailedError, StepOutputTooLargeError, StepResultNotSerializableError, UsageError } from "../errors.js";
import type { AttemptRecord, CallKind, StartedRecord, StepRecord } from "../journal/records.js";
import { Unserializable, decodeValue, encodeValue, storeError } from "../journal/values.js";
import { checkStepName } from "../names.js";
import type { StepOptions } from "../options.js";
import type { BreakerTransition } from "../policies/breaker.js";
import { StepAttemptsExhausted, runWithPolicies, type AttemptFailure, type PolicyEnv, type StepPolicy } from "../policies/compose.js";
import { deadLetterStep } from "../policies/dead-letter.js";
import { resolveStepPolicy } from "../policies/options.js";
import type { ActiveRun } from "./active-run.js";

/** The function a step runs. */
export type StepFunction<T> = (step: StepContext) => T | Promise<T>;

const policyCache = new WeakMap<object, StepPolicy>();

function policyFor(run: ActiveRun, options: StepOptions | undefined): StepPolicy {
  const defaults = { retry: run.options.retry, timeoutMs: run.options.timeoutMs };
  if (options === undefined) {
    let policy = policyCache.get(run.options);
    if (policy === undefined) policyCache.set(run.options, (policy = resolveStepPolicy(undefined, defaults)));
    return policy;
  }
  return resolveStepPolicy(options, defaults);
}

/*
 * runStep and runKeyedStep are plain functions that return promises (errors as rejections, like async
 * functions): a replayed step then costs one settled promise, not a chain of async frames.
 */

/** Runs or replays one step. */
export function runStep<T>(run: ActiveRun, name: string, fn: StepFunction<T>, options: StepOptions<Awaited<T>> | undefined): Promise<Awaited<T>> {
  let key: string;
  try {
    checkStepName(name);
    if (typeof fn !== "function") throw new UsageError(`ctx.step('${name}', fn): fn must be a function, got ${typeof fn}`);
    key = run.state.nextKey(name);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return runKeyedStep(run, key, "step", fn, options);
}

/** Runs or replays a step whose key is already assigned (ctx.map items, internal values). */
export function runKeyedStep<T>(
  run: ActiveRun, key: string, kind: CallKind, fn: StepFunction<T>, options: StepOptions<Awaited<T>> | undefined,
  assignedSeq?: number,
): Promise<Awaited<T>> {
  let seq: number;
  try {
    seq = assignedSeq ?? run.state.nextSeq(kind, key, run.options.strict);
    const recorded = run.state.recorded(key, seq);
    if (recorded !== undefined) {
      const value = decodeValue(recorded.out) as Awaited<T>;
      run.emit("step:replay", { key });
      if (options?.compensate) run.compensations.push({ key, run: () => options.compensate!(value) });
      return Promise.resolve(value);
    }
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return executeStep(run, key, kind, fn, options, seq);
}

/** Runs a step that has no recorded result, under its policies, and journals the result. */
async function executeStep<T>(
  run: ActiveRun, key: string, kind: CallKind, fn: StepFunction<T>, options: StepOptions<Awaited<T>> | undefined, seq: number,
): Promise<Awaited<T>> {
  if (run.state.compensated.size > 0) {
    // A previous process failed this run and began compensating: finish that instead of running new steps.
    throw new StepFailedError(key, 0, new Error("the run failed and is compensating; steps are not run again"));
  }
  const policy = policyFor(run, options as StepOptions | undefined);
  const inDoubt = run.state.started.has(key) && kind === "step";
  if (inDoubt && options?.onInDoubt === "fail") {
    const error = new UsageError(`step '${key}' was started before a crash and has no recorded result; it is marked onInDoubt: "fail", so it is not run again`);
    throw await deadLetterStep(run, key, seq, 0, error);
  }
  // Records on the hot path are built as literals (the same fields, in the same order, as run.record()).
  const clock = run.options.clock;
  const started: StartedRecord = { type: "started", key, seq, kind, epoch: run.epoch, at: clock.now() };
  run.log.append(started);
  const startedAt = performance.now();
  const idempotencyKey = `${run.header.runId}:${key}`;
  const log = (message: string) => run.emit("step:log", { key, message: String(message) });
  run.emit("step:start", { key, attempt: 1, maxAttempts: policy.retry.retries + 1 });
  let value: Awaited<T>;
  let attempts: number;
  try {
    ({ value, attempts } = await runWithPolicies<Awaited<T>>(
      ({ attempt, signal }) => fn({ signal, attempt, idempotencyKey, log }) as Awaited<T> | Promise<Awaited<T>>,
      policy,
      new StepPolicyEnv(run, key, run.state.failedAttempts.get(key) ?? 0),
    ));
  } catch (error) {
    if (error instanceof StepAttemptsExhausted) throw await deadLetterStep(run, key, seq, error.attempts, error.error);
    throw error;
  }
  const encoded = encodeValue(value);
  if (encoded instanceof Unserializable) {
    throw await deadLetterStep(run, key, seq, attempts, new StepResultNotSerializableError(key, encoded.path, encoded.reason));
  }
  const record: StepRecord = {
    type: "step", key, seq, kind, out: encoded, attempts, ms: Math.round(performance.now() - startedAt), epoch: run.epoch, at: clock.now(),
  };
  let body: string;
  try {
    body = JSON.stringify(record);
  } catch {
    throw await deadLetterStep(run, key, seq, attempts, new StepOutputTooLargeError(key, undefined, maxBytes(run, options)));
  }
  const limit = maxBytes(run, options);
  if (body.length * 3 > limit) {
    const bytes = Buffer.byteLength(body);
    if (bytes > limit) throw await deadLetterStep(run, key, seq, attempts, new StepOutputTooLargeError(key, bytes, limit));
  }
  const durable = run.log.appendDurable(record, body);
  if (durable !== undefined) await durable;
  run.state.results.complete(key);
  run.emit("step:complete", { key, attempts, ms: record.ms });
  if (options?.compensate) run.compensations.push({ key, run: () => options.compensate!(value) });
  return value;
}

function maxBytes(run: ActiveRun, options: StepOptions<never> | StepOptions<unknown> | undefined): number {
  return (options as StepOptions | undefined)?.maxOutputBytes ?? run.options.maxOutputBytes;
}

/** The policies' view of one step (one object per step; the callbacks live on the prototype). */
class StepPolicyEnv implements PolicyEnv {
  readonly clock: PolicyEnv["clock"];
  readonly random: PolicyEnv["random"];
  readonly signal: AbortSignal;
  readonly breakers: PolicyEnv["breakers"];

  constructor(
    private readonly run: ActiveRun,
    readonly stepKey: string,
    private readonly priorAttempts: number,
  ) {
    this.clock = run.options.clock;
    this.random = run.options.random;
    this.signal = run.signal;
    this.breakers = run.breakers;
  }

  onAttemptFailed({ attempt, error, delayMs }: AttemptFailure): void {
    const { run, stepKey: key } = this;
    const stored = storeError(error);
    run.log.append(run.record<AttemptRecord>({ type: "attempt", key, attempt: this.priorAttempts + attempt, error: stored, delayMs }));
    if (delayMs !== null) run.emit("step:retry", { key, attempt, error: stored, delayMs });
  }

  onBreakerTransition(name: string, state: BreakerTransition): void {
    this.run.emit(`breaker:${state}`, { name });
  }
}
