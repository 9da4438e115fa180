/**
 * Durable waiting: `ctx.sleep` / `ctx.sleepUntil` and `ctx.waitForEvent`. The wake time or the wait is
 * journaled first; a script suspends (the run is journaled as waiting and the process exits 40), a long-lived
 * process waits in memory and wakes on delivery.
 */
import type { StandardSchemaLike, WaitForEventOptions } from "../context.js";
import { EventTimeoutError, UsageError } from "../errors.js";
import type { EventRecord, SleepRecord, WaitRecord } from "../journal/records.js";
import { decodeValue } from "../journal/values.js";
import { checkStepName } from "../names.js";
import { checkNonNegative } from "../options.js";
import type { InboxMessage } from "../store/store.js";
import type { ActiveRun } from "./active-run.js";

async function durable(run: ActiveRun, promise: Promise<void> | undefined): Promise<void> {
  if (promise !== undefined) await promise;
}

/** `ctx.sleepUntil(name, until)`; `ctx.sleep` computes `until` from the journaled start. */
export async function sleepUntil(run: ActiveRun, name: string, until: (now: number) => number): Promise<void> {
  checkStepName(name);
  const key = run.state.nextKey(name);
  const seq = run.state.nextSeq("sleep", key, run.options.strict);
  let wake = run.state.sleeps.get(key)?.until;
  if (wake === undefined) {
    wake = until(run.options.clock.now());
    if (!Number.isFinite(wake)) throw new UsageError(`sleep '${key}': the wake time is not a valid date or number`);
    const record = run.record<SleepRecord>({ type: "sleep", key, seq, until: wake });
    await durable(run, run.log.appendDurable(record));
    run.state.sleeps.set(key, record);
  }
  const remaining = wake - run.options.clock.now();
  if (remaining <= 0) return;
  if (run.suspendable && remaining > run.options.suspendAfterMs) return run.suspend({ kind: "sleep", key, until: wake });
  if (!run.suspendable) run.emit("run:wait", { wait: { kind: "sleep", key, until: wake } });
  await run.options.clock.sleep(remaining, run.signal);
}

/** `ctx.sleep(name, ms)`. */
export function sleep(run: ActiveRun, name: string, ms: number): Promise<void> {
  checkNonNegative("ms", ms);
  return sleepUntil(run, name, (now) => now + ms);
}

/** `ctx.waitForEvent(name, options)`. */
export async function waitForEvent<T>(run: ActiveRun, name: string, options: WaitForEventOptions<T> = {}): Promise<T> {
  checkStepName(name);
  checkNonNegative("timeoutMs", options.timeoutMs);
  const key = run.state.nextKey(name);
  const seq = run.state.nextSeq("event", key, run.options.strict);
  const recorded = run.state.events.get(key);
  if (recorded !== undefined) {
    if (recorded.timedOut) throw timeoutError(key, name);
    return decodeValue(recorded.data) as T;
  }
  let wait = run.state.waits.get(key);
  if (wait === undefined) {
    const until = options.timeoutMs === undefined ? null : run.options.clock.now() + options.timeoutMs;
    wait = run.record<WaitRecord>({ type: "wait", key, seq, event: name, until });
    await durable(run, run.log.appendDurable(wait));
    run.state.waits.set(key, wait);
  }
  const rejected = new Set<string>();
  let announced = false;
  for (;;) {
    const message = await nextMessage(run, name, rejected);
    if (message !== undefined) {
      const valid = await validate(options.schema, decodeValue(message.data));
      if (valid.ok) return consume(run, key, seq, name, message, valid.value);
      rejected.add(message.messageId);
      run.emit("run:warning", { message: `event '${name}' (message ${message.messageId}) was rejected and not consumed: ${valid.problem}` });
      continue;
    }
    const now = run.options.clock.now();
    if (wait.until !== null && wait.until <= now) {
      const record = run.record<EventRecord>({ type: "event", key, seq, event: name, data: { json: null }, messageId: null, timedOut: true });
      await durable(run, run.log.appendDurable(record));
      run.state.events.set(key, record);
      throw timeoutError(key, name);
    }
    if (run.suspendable) return run.suspend({ kind: "event", key, event: name, until: wait.until });
    if (!announced) run.emit("run:wait", { wait: { kind: "event", key, event: name, until: wait.until } });
    announced = true;
    await waitForInbox(run, wait.until === null ? undefined : wait.until - now);
  }
}

async function nextMessage(run: ActiveRun, event: string, rejected: Set<string>): Promise<InboxMessage | undefined> {
  const inbox = await run.store.inbox(run.header.runId);
  return inbox.find((m) => m.event === event && !run.state.consumedMessages.has(m.messageId) && !rejected.has(m.messageId));
}

async function consume<T>(run: ActiveRun, key: string, seq: number, event: string, message: InboxMessage, value: T): Promise<T> {
  const record = run.record<EventRecord>({ type: "event", key, seq, event, data: message.data, messageId: message.messageId });
  await durable(run, run.log.appendDurable(record));
  run.state.events.set(key, record);
  run.state.consumedMessages.add(message.messageId);
  return value;
}

type Validation<T> = { ok: true; value: T } | { ok: false; problem: string };

async function validate<T>(schema: StandardSchemaLike<T> | undefined, data: unknown): Promise<Validation<T>> {
  if (schema === undefined) return { ok: true, value: data as T };
  const result = await schema["~standard"].validate(data);
  if (result.issues === undefined) return { ok: true, value: result.value };
  const problem = result.issues
    .map((issue) => {
      const where = issue.path?.map((p) => (typeof p === "object" ? String(p.key) : String(p))).join(".");
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join("; ");
  return { ok: false, problem };
}

/** Resolves when the inbox changes, the timeout passes, or the run is cancelled. */
function waitForInbox(run: ActiveRun, timeoutMs: number | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const controller = new AbortController();
    const cleanup = () => {
      controller.abort();
      run.inboxChanged.removeEventListener("change", done);
      run.signal.removeEventListener("abort", cancelled);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const cancelled = () => {
      cleanup();
      reject(run.signal.reason);
    };
    if (run.signal.aborted) return cancelled();
    run.inboxChanged.addEventListener("change", done);
    run.signal.addEventListener("abort", cancelled);
    if (timeoutMs !== undefined) run.options.clock.sleep(timeoutMs, controller.signal).then(done, () => undefined);
  });
}

function timeoutError(key: string, event: string): EventTimeoutError {
  return new EventTimeoutError(`waiting for event '${event}' (${key}) timed out`);
}
