import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { frameLine } from "../../src/journal/codec.js";
import { decodeValue, encodeValue, Unserializable } from "../../src/journal/values.js";
import {
  createFileStore, PersistenceError, StepFailedError, StepOutputTooLargeError, StepResultNotSerializableError, workflow, type WorkflowContext,
} from "../../src/index.js";
import { onlyJournal, readRecords, splitLines } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

class Point {
  constructor(readonly x: number) {}
}

function richValue() {
  const circular: Record<string, unknown> = { name: "loop" };
  circular.self = circular;
  const floats = new Float64Array([1.5, -0, Number.NaN, Number.POSITIVE_INFINITY]);
  return {
    date: new Date("2026-11-22T10:00:00.000Z"),
    map: new Map<unknown, unknown>([["a", 1], [2, new Date(0)]]),
    set: new Set<unknown>([1, "two", 3n]),
    big: 2n ** 70n,
    undef: undefined,
    regexp: /ab+c/gi,
    url: new URL("https://example.com/a?b=1#c"),
    buffer: Buffer.from([0, 1, 2, 255]),
    bytes: new Uint8Array([1, 2, 3]),
    floats,
    view: new Int16Array(floats.buffer, 8, 4),
    bigints: new BigInt64Array([1n, -(2n ** 63n)]),
    numbers: [Number.NaN, Number.NEGATIVE_INFINITY, -0],
    nested: { list: [new Date(1), { deeper: new Map([["k", new Set([undefined, null])]]) }] },
    circular,
    shared: [circular, circular],
  };
}

function expectSameRich(value: ReturnType<typeof richValue>): void {
  const original = richValue();
  expect(value).toStrictEqual(original);
  expect(value.date).toBeInstanceOf(Date);
  expect(value.map).toBeInstanceOf(Map);
  expect(value.map.get(2)).toBeInstanceOf(Date);
  expect(value.set).toBeInstanceOf(Set);
  expect(typeof value.big).toBe("bigint");
  expect(Object.hasOwn(value, "undef")).toBe(true);
  expect(value.regexp).toBeInstanceOf(RegExp);
  expect(value.regexp.flags).toBe("gi");
  expect(value.url).toBeInstanceOf(URL);
  expect(Buffer.isBuffer(value.buffer)).toBe(true);
  expect(value.bytes).toBeInstanceOf(Uint8Array);
  expect(Buffer.isBuffer(value.bytes)).toBe(false);
  expect(value.floats).toBeInstanceOf(Float64Array);
  expect(Object.is(value.floats[1], -0)).toBe(true);
  expect(value.floats[2]).toBeNaN();
  expect(value.view).toBeInstanceOf(Int16Array);
  expect([...value.view]).toEqual([...original.view]);
  expect(value.bigints).toBeInstanceOf(BigInt64Array);
  expect(Object.is(value.numbers[2], -0)).toBe(true);
  expect(value.circular.self).toBe(value.circular);
  expect(value.shared[0]).toBe(value.circular);
}

function throughDisk(value: unknown): unknown {
  const encoded = encodeValue(value);
  if (encoded instanceof Unserializable) throw new Error(`refused: ${encoded.path} ${encoded.reason}`);
  return decodeValue(JSON.parse(JSON.stringify(encoded)));
}

describe("journal values", () => {
  it("stores plain JSON as is, without superjson metadata or a copy", () => {
    const plain = { a: [1, "x", null, true, { b: 2.5 }] };
    const encoded = encodeValue(plain);
    expect(encoded).toEqual({ json: plain });
    expect((encoded as { json: unknown }).json).toBe(plain);
    expect(encodeValue(undefined)).toMatchObject({ meta: expect.anything() });
    expect(throughDisk(plain)).toEqual(plain);
  });

  it("brings back Date, Map, Set, BigInt, undefined, RegExp, URL, Buffer, typed arrays, nested and circular values", () => {
    expectSameRich(throughDisk(richValue()) as ReturnType<typeof richValue>);
    expect(throughDisk(undefined)).toBeUndefined();
    expect(throughDisk(10n)).toBe(10n);
  });

  it("refuses what would not come back unchanged, naming the path", () => {
    const sym = Symbol("s");
    const cases: Array<[unknown, string, string]> = [
      [{ user: { onSave() {} } }, "result.user.onSave", "a function"],
      [{ tag: Symbol("t") }, "result.tag", "a symbol"],
      [{ [sym]: 1, d: new Date() }, "result[Symbol(s)]", "a symbol key"],
      [{ when: new Date(Number.NaN) }, "result.when", "an Invalid Date"],
      [{ items: [1, new Point(2)] }, "result.items[1]", "an instance of class Point"],
      [{ error: new Error("x") }, "result.error", "an Error"],
      [{ m: new Map([["k", () => 1]]) }, "result.m.<map value 0>", "a function"],
      [sparse(), "result[1]", "a hole in a sparse array"],
      [{ "odd key": { f: () => 1 } }, 'result["odd key"].f', "a function"],
    ];
    for (const [value, at, reason] of cases) {
      const result = encodeValue(value);
      expect(result, at).toBeInstanceOf(Unserializable);
      expect(result).toMatchObject({ path: at, reason: expect.stringContaining(reason) });
    }
  });
});

describe("step results across a resume (journal on disk)", () => {
  it("returns the recorded value of a replayed step with the same classes", async () => {
    const dir = path.join(tempDir("values"), "state");
    let runs = 0;
    let stop = true;
    const wf = workflow("values", async (ctx: WorkflowContext) => {
      const value = await ctx.step("rich", () => (runs++, richValue()));
      if (stop) throw new Error("stop");
      return value;
    }, { dir });
    await expect(wf.run(undefined, { key: "k" })).rejects.toThrow("stop");
    stop = false;
    let replayed: ReturnType<typeof richValue> | undefined;
    const check = workflow("values", async (ctx: WorkflowContext) => {
      replayed = await ctx.step("rich", () => (runs++, richValue()));
      return "done";
    }, { dir });
    expect(await check.run(undefined, { key: "k" })).toBe("done");
    expect(runs).toBe(1);
    expectSameRich(replayed!);
  });

  const refused: Array<[string, () => unknown, string]> = [
    ["a function", () => ({ user: { name: "ada", onSave() {} } }), "result.user.onSave"],
    ["a symbol", () => ({ kind: Symbol("k") }), "result.kind"],
    ["an Invalid Date", () => ({ at: new Date("nope") }), "result.at"],
    ["a class instance", () => ({ point: new Point(1) }), "result.point"],
    ["an Error", () => [new TypeError("boom")], "result[0]"],
    ["a __proto__ key next to a Date", () => ({ at: new Date(0), ...JSON.parse('{"__proto__":{"polluted":true}}') }), "result.__proto__"],
  ];
  for (const [what, make, at] of refused) {
    it(`refuses ${what} with StepResultNotSerializableError naming ${at}; the step is not retried and is dead-lettered`, async () => {
      const dir = path.join(tempDir("refused"), "state");
      const store = createFileStore({ dir });
      let calls = 0;
      const wf = workflow("refused", async (ctx: WorkflowContext) => {
        await ctx.step("load", () => (calls++, make()), { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1 } });
      }, { store });
      const error = await wf.run(undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StepFailedError);
      const cause = (error as StepFailedError).cause;
      expect(cause).toBeInstanceOf(StepResultNotSerializableError);
      expect(cause).toMatchObject({ stepKey: "load", path: at });
      expect((cause as Error).message).toContain(`at ${at}`);
      expect(calls).toBe(1);
      const [entry, ...more] = await store.dlq.list();
      expect(more).toEqual([]);
      expect(entry).toMatchObject({ stepKey: "load", attempts: 1, status: "open", error: { code: "STEP_RESULT_NOT_SERIALIZABLE" } });
      expect(readRecords(onlyJournal(dir, "refused")).records.some((r) => r.type === "step")).toBe(false);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it("refuses a result over maxOutputBytes with StepOutputTooLargeError, without retrying it", async () => {
    const dir = path.join(tempDir("large"), "state");
    const store = createFileStore({ dir });
    let calls = 0;
    const wf = workflow("large", async (ctx: WorkflowContext) => {
      await ctx.step("small", () => "x".repeat(50));
      await ctx.step("big", () => (calls++, "x".repeat(1000)), { maxOutputBytes: 500, retry: { retries: 2, minDelayMs: 1 } });
    }, { store, maxOutputBytes: 10_000 });
    const error = await wf.run(undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    const cause = (error as StepFailedError).cause as StepOutputTooLargeError;
    expect(cause).toBeInstanceOf(StepOutputTooLargeError);
    expect(cause.limitBytes).toBe(500);
    expect(cause.bytes).toBeGreaterThan(1000);
    expect(calls).toBe(1);
    expect(await store.dlq.list()).toMatchObject([{ stepKey: "big", error: { code: "STEP_OUTPUT_TOO_LARGE" } }]);

    const capped = workflow("capped", async (ctx: WorkflowContext) => ctx.step("big", () => "y".repeat(2000)), { store, maxOutputBytes: 1000 });
    expect((await capped.run(undefined).catch((e: unknown) => e) as Error).cause).toBeInstanceOf(StepOutputTooLargeError);
  });
});

describe("__proto__ keys", () => {
  it("in a plain-JSON step result stay data across a resume and pollute nothing", async () => {
    const dir = path.join(tempDir("proto"), "state");
    let stop = true;
    const wf = workflow("proto", async (ctx: WorkflowContext) => {
      const value = await ctx.step("parse", () => JSON.parse('{"__proto__":{"polluted":"yes"},"ok":1}') as Record<string, unknown>);
      if (stop) throw new Error("stop");
      return { own: Object.hasOwn(value, "__proto__"), proto: Object.getPrototypeOf(value) === Object.prototype, inner: value["__proto__"] };
    }, { dir });
    await expect(wf.run(undefined, { key: "k" })).rejects.toThrow("stop");
    stop = false;
    expect(await wf.run(undefined, { key: "k" })).toEqual({ own: true, proto: true, inner: { polluted: "yes" } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("in a crafted journal line never change a prototype", async () => {
    const dir = path.join(tempDir("crafted"), "state");
    let stage = 1;
    const seen: unknown[] = [];
    const wf = workflow("crafted", async (ctx: WorkflowContext) => {
      await ctx.step("a", () => 1);
      if (stage === 1) throw new Error("stop");
      seen.push(await ctx.step("plain", () => "fresh"));
      seen.push(await ctx.step("meta", () => "fresh"));
      return "done";
    }, { dir });
    await expect(wf.run(undefined, { key: "k" })).rejects.toThrow("stop");
    const journal = onlyJournal(dir, "crafted");
    const bytes = fs.readFileSync(journal);
    let crc = Number.parseInt(JSON.parse(splitLines(bytes).at(-1)!.toString()).crc as string, 16);
    const lines: string[] = [];
    const append = (record: string) => {
      const framed = frameLine(record, crc);
      crc = framed.crc;
      lines.push(framed.line);
    };
    const crafted = [
      ["plain", '{"json":{"__proto__":{"polluted":"plain"},"constructor":{"prototype":{"polluted":"ctor"}}}}'],
      ["meta", '{"json":{"a":{"polluted":"meta"},"b":null},"meta":{"values":{"__proto__.polluted":["undefined"]},"referentialEqualities":{"a":["__proto__"],"b":["constructor.prototype"]},"v":1}}'],
    ];
    crafted.forEach(([key, out], i) => {
      append(`{"type":"started","key":"${key}","seq":${i + 2},"kind":"step","epoch":1,"at":1}`);
      append(`{"type":"step","key":"${key}","seq":${i + 2},"kind":"step","out":${out},"attempts":1,"ms":0,"epoch":1,"at":1}`);
    });
    const craftedBytes = Buffer.concat([bytes, Buffer.from(lines.join(""))]);
    fs.writeFileSync(journal, craftedBytes);

    stage = 2;
    const error = await wf.run(undefined, { key: "k" }).catch((e: unknown) => e);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(Object.hasOwn(seen[0] as object, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(seen[0])).toBe(Object.prototype);
    expect(Object.getPrototypeOf((seen[0] as { constructor: object }).constructor)).toBe(Object.prototype);
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as Error).message).toContain("__proto__ is not allowed");
    expect(fs.readFileSync(journal).equals(craftedBytes)).toBe(true);
  });
});

function sparse(): unknown[] {
  const array: unknown[] = [1];
  array[2] = 3;
  return array;
}
