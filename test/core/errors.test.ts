import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as api from "../../src/index.js";
import { repoRoot } from "../helpers/fixture-process.js";

type ErrorModule = Record<string, unknown>;
type ErrorClass = new (...args: never[]) => Error & { code: string };

/** Every error class exported from src/index.ts with its stable name and code, and how to make one. */
const ERRORS: Record<string, { code: string; make: (m: ErrorModule) => Error }> = {
  SteplogError: { code: "STEPLOG_ERROR", make: (m) => create(m, "SteplogError", "base") },
  TerminalError: { code: "TERMINAL", make: (m) => create(m, "TerminalError", "declined") },
  RetryableError: { code: "RETRYABLE", make: (m) => create(m, "RetryableError", "busy", { retryAfterMs: 5 }) },
  StepTimeoutError: { code: "STEP_TIMEOUT", make: (m) => create(m, "StepTimeoutError", "fetch", 100) },
  CircuitOpenError: { code: "CIRCUIT_OPEN", make: (m) => create(m, "CircuitOpenError", "api", new Date(0)) },
  StepResultNotSerializableError: { code: "STEP_RESULT_NOT_SERIALIZABLE", make: (m) => create(m, "StepResultNotSerializableError", "load", "result.f", "a function") },
  StepOutputTooLargeError: { code: "STEP_OUTPUT_TOO_LARGE", make: (m) => create(m, "StepOutputTooLargeError", "big", 10, 5) },
  StepFailedError: { code: "STEP_FAILED", make: (m) => create(m, "StepFailedError", "charge", 4, new Error("x")) },
  JournalCorruptError: { code: "JOURNAL_CORRUPT", make: (m) => create(m, "JournalCorruptError", "/j.jsonl", 3, "checksum mismatch") },
  PersistenceError: { code: "PERSISTENCE", make: (m) => create(m, "PersistenceError", "disk full") },
  NonDeterminismError: { code: "NON_DETERMINISM", make: (m) => create(m, "NonDeterminismError", "diverged") },
  UsageError: { code: "USAGE", make: (m) => create(m, "UsageError", "bad flag") },
  LockHeldError: { code: "LOCK_HELD", make: (m) => create(m, "LockHeldError", "held") },
  LockLostError: { code: "LOCK_LOST", make: (m) => create(m, "LockLostError", "lost") },
  RunCancelledError: { code: "RUN_CANCELLED", make: (m) => create(m, "RunCancelledError", "stop") },
  EventTimeoutError: { code: "EVENT_TIMEOUT", make: (m) => create(m, "EventTimeoutError", "late") },
  InternalError: { code: "INTERNAL", make: (m) => create(m, "InternalError", "bug") },
};

function create(m: ErrorModule, name: string, ...args: unknown[]): Error {
  return new (m[name] as new (...a: unknown[]) => Error)(...args);
}

function errorClassesOf(m: ErrorModule): string[] {
  return Object.entries(m)
    .filter(([, v]) => typeof v === "function" && (v as { prototype?: unknown }).prototype instanceof Error)
    .map(([k]) => k)
    .sort();
}

const distIndex = pathToFileURL(path.join(repoRoot, "dist/index.js")).href;

describe("error classes", () => {
  it("every class exported from src/index.ts is listed here with its stable code", () => {
    expect(errorClassesOf(api as unknown as ErrorModule)).toEqual(Object.keys(ERRORS).sort());
  });

  for (const [name, { code, make }] of Object.entries(ERRORS)) {
    it(`${name} has name '${name}', code '${code}', a message, and instanceof SteplogError and Error`, () => {
      const error = make(api as unknown as ErrorModule) as Error & { code: string };
      expect(error.name).toBe(name);
      expect(error.code).toBe(code);
      expect((api as unknown as Record<string, { CODE?: string }>)[name]!.CODE ?? "STEPLOG_ERROR").toBe(code);
      expect(error.message.length).toBeGreaterThan(0);
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(api.SteplogError);
      expect(String(error)).toMatch(new RegExp(`^${name}: `));
      expect(error.stack).toContain(name);
    });
  }

  it("passes cause through", () => {
    const cause = new Error("root");
    expect(new api.PersistenceError("x", { cause }).cause).toBe(cause);
    expect(new api.StepFailedError("s", 1, cause).cause).toBe(cause);
  });

  it("instanceof works both ways across two copies of the module and never confuses sibling classes", async () => {
    const one = (await import(/* @vite-ignore */ distIndex)) as ErrorModule;
    const two = api as unknown as ErrorModule; // the sources, a second copy beside the built package
    for (const name of Object.keys(ERRORS)) expect(two[name], name).not.toBe(one[name]);
    for (const [name, { make }] of Object.entries(ERRORS)) {
      for (const [from, to] of [[one, two], [two, one]] as const) {
        const error = make(from);
        expect(error instanceof (to[name] as ErrorClass), `${name} across copies`).toBe(true);
        expect(error instanceof (to.SteplogError as ErrorClass)).toBe(true);
        for (const other of Object.keys(ERRORS)) {
          if (other === name || other === "SteplogError") continue;
          expect(error instanceof (to[other] as ErrorClass), `${name} instanceof ${other}`).toBe(false);
          expect(error instanceof (from[other] as ErrorClass), `${name} instanceof ${other}`).toBe(false);
        }
      }
    }
    expect(new Error("plain") instanceof (two.SteplogError as ErrorClass)).toBe(false);
    expect({ code: "TERMINAL" } instanceof (two.TerminalError as ErrorClass)).toBe(false);
  });
});
