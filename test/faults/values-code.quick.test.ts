/**
 * Fault class 6, values: every kind of value DESIGN 3 promises comes back from the journal unchanged after a
 * resume (or is refused with a clear error); a silent loss is a value that came back different without one.
 * Fault class 7, code changes between runs: renamed, reordered, inserted and removed steps under an unfinished
 * run, in tolerant and strict mode.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { workflow, type WorkflowContext } from "../../src/index.js";
import { readSink } from "../helpers/sink.js";
import { onlyJournal } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";
import { recordFigure, runSteps } from "./harness.js";

afterEach(removeTempDirs);

class Point {
  constructor(readonly x: number) {}
}

const circular = (): unknown => {
  const a: Record<string, unknown> = { name: "a" };
  a.self = a;
  return { a, list: [a, a] };
};

/** Values that must come back equal (with their classes), and values that must be refused. */
const KEPT: Array<[string, () => unknown]> = [
  ["plain JSON", () => ({ s: "x", n: 1.5, b: true, nil: null, arr: [1, "2", { deep: [[]] }] })],
  ["Date", () => new Date(1_700_000_000_123)],
  ["Map", () => new Map<unknown, unknown>([["a", 1], [2, { b: [3] }]])],
  ["Set", () => new Set([1, "two", 3])],
  ["BigInt", () => 2n ** 80n],
  ["RegExp", () => /a+b/giu],
  ["undefined", () => undefined],
  ["undefined inside an object", () => ({ a: undefined, b: [undefined, 1] })],
  ["Buffer", () => Buffer.from([0, 1, 2, 255])],
  ["Uint8Array", () => new Uint8Array([9, 8, 7])],
  ["Float64Array", () => new Float64Array([1.5, -0, Number.MAX_VALUE])],
  ["NaN and Infinity", () => ({ n: Number.NaN, i: Number.POSITIVE_INFINITY, m: Number.NEGATIVE_INFINITY })],
  ["-0", () => -0],
  ["nested mix", () => ({ when: new Date(0), tags: new Set(["x"]), index: new Map([["k", [1n, /r/]]]) })],
  ["unicode and lone surrogates", () => "emoji 😀, NUL \u0000, lone \ud800 end"],
  ["circular value", circular],
  ["1M-element array", () => Array.from({ length: 1_000_000 }, (_, i) => i)],
];
const REFUSED: Array<[string, () => unknown, RegExp]> = [
  ["a function", () => ({ f: () => 1 }), /StepResultNotSerializable/],
  ["a symbol", () => ({ s: Symbol("x") }), /StepResultNotSerializable/],
  ["an Invalid Date", () => new Date(Number.NaN), /StepResultNotSerializable/],
  ["a class instance", () => new Point(1), /StepResultNotSerializable/],
  ["an output over the cap", () => "x".repeat(4096), /StepOutputTooLarge/],
];

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b as object)) return false;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return String(a) === String(b);
  if (ArrayBuffer.isView(a)) return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from((b as ArrayBufferView).buffer, (b as ArrayBufferView).byteOffset, (b as ArrayBufferView).byteLength));
  if (a instanceof Map) return sameValue([...a], [...(b as Map<unknown, unknown>)]);
  if (a instanceof Set) return sameValue([...a], [...(b as Set<unknown>)]);
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameValue((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k]));
}

describe("values", () => {
  it("every kind of step result across a resume: kept unchanged or refused, never silently lost", async () => {
    let silent = 0;
    let kept = 0;
    let refused = 0;
    for (const [what, make] of KEPT) {
      const dir = path.join(tempDir("values"), "state");
      let executions = 0;
      let stop = true;
      const wf = workflow("values", async (ctx: WorkflowContext) => {
        const value = await ctx.step("value", () => (executions++, make()));
        if (stop) throw new Error("stop after the step");
        return value;
      }, { durability: "process", retry: false });
      await wf.run(undefined, { key: "k", dir }).catch(() => undefined);
      stop = false;
      const replayed = await wf.run(undefined, { key: "k", dir });
      const circularOk = what !== "circular value" || (() => {
        const r = replayed as { a: { self: unknown }; list: unknown[] };
        return r.a.self === r.a && r.list[0] === r.a && r.list[1] === r.a;
      })();
      const same = what === "circular value" ? circularOk : sameValue(replayed, make());
      if (executions === 1 && same) kept++;
      else {
        silent++;
        console.log(`[faults] ${what} came back changed (executions ${executions})`);
      }
    }
    for (const [what, make, error] of REFUSED) {
      const dir = path.join(tempDir("values"), "state");
      const wf = workflow("refused", async (ctx: WorkflowContext) => ctx.step("value", make, { maxOutputBytes: 1024 }), { durability: "process", retry: false });
      const outcome = await wf.run(undefined, { key: "k", dir }).then(() => "accepted", (e: unknown) => `${(e as Error).name}: ${(e as Error).message} ${String((e as Error).cause)}`);
      if (error.test(outcome)) refused++;
      else {
        silent++;
        console.log(`[faults] ${what}: ${outcome}`);
      }
    }
    recordFigure({ fault: "6 values across a resume", figures: { kinds: KEPT.length + REFUSED.length, "kept unchanged": kept, "refused with a clear error": refused, "silent losses": silent }, criterion: "0 silent losses", pass: silent === 0 });
    expect(silent).toBe(0);
  });
});

describe("code changes between runs", () => {
  const BASE = "a,b,c,d,e";
  const CHANGES: Array<[string, string]> = [
    ["renamed", "a,B,c,d,e"],
    ["reordered", "a,c,b,d,e"],
    ["inserted", "a,x,b,c,d,e"],
    ["removed", "a,c,d,e"],
  ];

  it("renamed, reordered, inserted and removed steps in tolerant and strict mode", async () => {
    const report: Record<string, string> = {};
    let strictMissed = 0;
    for (const [change, names] of CHANGES) {
      for (const strict of [false, true]) {
        const root = tempDir("change");
        const stateDir = path.join(root, "state");
        const sink = path.join(root, "sink");
        const stopped = await runSteps(["--key", "k"], { stateDir, env: { STEP_NAMES: BASE, SINK: sink, STOP_AFTER: "3", STRICT: strict ? "1" : "0" } });
        expect(stopped.code).toBe(20);
        const journal = onlyJournal(stateDir, "faults");
        const before = fs.readFileSync(journal);
        const sinkBefore = readSink(sink).length;
        const resumed = await runSteps(["--key", "k"], { stateDir, env: { STEP_NAMES: names, SINK: sink, STRICT: strict ? "1" : "0" } });
        const ran = readSink(sink).slice(sinkBefore).map((l) => l.split(" ")[0]!.split(":")[1]);
        const mode = strict ? "strict" : "tolerant";
        if (strict) {
          const caught = resumed.code === 80 && ran.length === 0 && fs.readFileSync(journal).equals(before);
          if (!caught) strictMissed++;
          report[`${change}, ${mode}`] = caught ? `exit 80 at ${/at (#\d+)/.exec(resumed.stderr)?.[1] ?? "?"}, nothing run` : `missed: exit ${resumed.code}, ran ${ran.join(",")}`;
        } else {
          report[`${change}, ${mode}`] = `exit ${resumed.code}, ran ${ran.join("+") || "nothing"}`;
          expect(resumed.code).toBe(0);
          // Recorded steps still in the code are replayed by key, never run again.
          expect(ran.filter((s) => ["a", "b", "c"].includes(s!))).toEqual([]);
        }
      }
    }
    for (const [k, v] of Object.entries(report)) console.log(`[faults] code change ${k}: ${v}`);
    recordFigure({ fault: "7 code changes between runs", figures: { ...report, "divergences strict mode missed": strictMissed }, criterion: "strict catches every divergence before running anything after it", pass: strictMissed === 0 });
    expect(strictMissed).toBe(0);
  });
});
