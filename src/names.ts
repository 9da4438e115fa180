/**
 * Validation of the names that become parts of paths or keys: workflow names, run ids, step names, keys.
 * Everything a user or a CLI argument supplies passes through here before any file is touched.
 */
import { createRequire } from "./builtins.js";
import { UsageError } from "./errors.js";
import { sha256Hex } from "./sha256.js";

let ulidFactory: ((seedTime?: number) => string) | undefined;

/**
 * A new ULID (run ids, message ids, DLQ ids) from the `ulid` package, which is loaded on first use rather than
 * when steplog is imported (its CommonJS build, so this works synchronously on every Node version). Monotonic
 * within the process: two ids made in the same millisecond (two events sent back to back) sort in the order
 * they were made, and the latest run of a key is the one with the greatest id.
 */
export function newUlid(seedTime?: number): string {
  ulidFactory ??= (createRequire(import.meta.url)("ulid") as typeof import("ulid")).monotonicFactory(pooledRandom);
  return ulidFactory(seedTime);
}

/**
 * Random fractions in [0, 1) from the platform's cryptographic generator, 256 bytes per call of it. The `ulid`
 * package's own generator calls `crypto.getRandomValues` once per character (16 calls per id, about 140 µs per
 * run id on a virtual machine); one byte per character gives the same distribution (5 of its 8 bits are used).
 */
const randomPool = new Uint8Array(256);
let randomPoolNext = randomPool.length;

function pooledRandom(): number {
  if (randomPoolNext === randomPool.length) {
    globalThis.crypto.getRandomValues(randomPool);
    randomPoolNext = 0;
  }
  return randomPool[randomPoolNext++]! / 256;
}

const WORKFLOW_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const RUN_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const SAFE_KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

/** Throws UsageError unless `name` is a valid workflow name (letters, digits, `.`, `_`, `-`; at most 128). */
export function checkWorkflowName(name: unknown): string {
  if (typeof name !== "string" || !WORKFLOW_NAME.test(name)) {
    throw new UsageError(
      `invalid workflow name ${preview(name)}: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/** True when `value` has the form of a run id (a ULID). */
export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

/** Throws UsageError unless `runId` is a ULID (26 characters of Crockford base32). */
export function checkRunId(runId: unknown): string {
  if (typeof runId !== "string" || !RUN_ID.test(runId)) {
    throw new UsageError(`invalid run id ${preview(runId)}: a run id is a 26-character ULID such as 01JD3Q8Z9X4M2N7P5R6S8T0V1W; list runs with 'steplog list'`);
  }
  return runId;
}

/** Throws UsageError unless `key` is a usable idempotency key (a non-empty string without NUL, at most 1024). */
export function checkKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 1024 || key.includes("\0")) {
    throw new UsageError(`invalid key ${preview(key)}: a key is a non-empty string of at most 1024 characters without NUL`);
  }
  return key;
}

/** Throws UsageError unless `name` is a valid step name (non-empty, <= 512, not `$…`, not ending in `#<n>`). */
export function checkStepName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0 || name.length > 512 || name.includes("\0")) {
    throw new UsageError(`invalid step name ${preview(name)}: a step name is a non-empty string of at most 512 characters`);
  }
  if (name.startsWith("$")) throw new UsageError(`invalid step name ${preview(name)}: names starting with '$' are reserved for ctx.now(), ctx.random() and the like`);
  if (/#\d+$/.test(name)) throw new UsageError(`invalid step name ${preview(name)}: '#<number>' at the end is how steplog numbers repeated names; choose another name`);
  return name;
}

/** Throws UsageError unless `key` can be a recorded step key (`name`, `name#2`, `items[3]`): non-empty, <= 600, no NUL. */
export function checkStepKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 600 || key.includes("\0")) {
    throw new UsageError(`invalid step key ${preview(key)}: the keys of a run are listed by 'steplog inspect <run>'`);
  }
  return key;
}

/** A file-name-safe form of a key: the key itself when it is simple, else `~` and a hash. */
export function keyFileName(key: string): string {
  return SAFE_KEY.test(key) ? key : `~${sha256Hex(key).slice(0, 40)}`;
}

/** A short printable preview of a hostile value for error messages. */
export function preview(value: unknown): string {
  const text = typeof value === "string" ? value : String(value);
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  return typeof value === "string" ? shown : `${shown} (${typeof value})`;
}
