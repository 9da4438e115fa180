/**
 * The typed events of a run, delivered to `onEvent` listeners, the console reporter and `engine.stream()`.
 */
import type { StoredError } from "./journal/records.js";

/** What a suspended or waiting run waits for. */
export interface WaitInfo {
  kind: "sleep" | "event";
  /** The step key of the sleep or wait. */
  key: string;
  /** The event name, for kind "event". */
  event?: string;
  /** Wake time (sleep) or timeout (event), ms since the epoch; null when the event wait has no timeout. */
  until: number | null;
}

/** Payload of each event type. Every event also has `type`, `runId`, `workflow` and `at`. */
export interface RunEventMap {
  "run:start": { key: string };
  "run:resume": { key: string; recordedSteps: number };
  "run:warning": { message: string };
  /** `maxAttempts`: how many attempts the step's retry policy allows (retries + 1). */
  "step:start": { key: string; attempt: number; maxAttempts?: number };
  "step:replay": { key: string };
  "step:retry": { key: string; attempt: number; error: StoredError; delayMs: number };
  "step:complete": { key: string; attempts: number; ms: number };
  "step:fail": { key: string; attempts: number; error: StoredError };
  "step:log": { key: string; message: string };
  "breaker:open": { name: string };
  "breaker:half-open": { name: string };
  "breaker:close": { name: string };
  "run:wait": { wait: WaitInfo };
  "run:complete": { result: unknown; ms: number };
  "run:fail": { error: StoredError; exitCode: number };
  "run:cancel": { reason: string | null };
  "lock:skip": { key: string; owner: { pid: number; host: string; since: number } | undefined };
}

/** The event types. */
export type RunEventType = keyof RunEventMap;

/**
 * One event of a run, discriminated by `type`.
 *
 * @example
 * ```ts
 * workflow("w", fn, { onEvent: (e) => { if (e.type === "step:complete") console.log(e.key, e.ms) } });
 * ```
 */
export type RunEvent = { [K in RunEventType]: { type: K; runId: string; workflow: string; at: number } & RunEventMap[K] }[RunEventType];

/**
 * A listener of run events. It must not throw; an exception is caught and ignored so it cannot break a run.
 *
 * @example
 * ```ts
 * const log: RunEventListener = (e) => console.error(JSON.stringify(e));
 * ```
 */
export type RunEventListener = (event: RunEvent) => void;
