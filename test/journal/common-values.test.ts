import { SuperJSON } from "superjson";
import { describe, expect, it } from "vitest";
import { encodeCommonValue } from "../../src/journal/common-values.js";
import { decodeValue, encodeValue } from "../../src/journal/values.js";
import { prng } from "../helpers/prng.js";

const superjson = new SuperJSON();

/** A random value built from the common subset (and, with `outside`, from what leaves it). */
function randomValue(random: () => number, depth: number, outside: boolean): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const keys = ["a", "b", "a.b", "c\\d", "0", "12", "x.y.z", "", "ü", "__proto__x", "with space", "1.5"];
  const leaf = (): unknown =>
    pick<() => unknown>([
      () => pick(["", "text", "a.b", "\\", "ü😀"]),
      () => pick([0, 1, -1, 2.5, 1e21, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]),
      () => random() < 0.5,
      () => null,
      () => undefined,
      () => BigInt(Math.floor(random() * 1000)) * 10n ** 20n,
      () => new Date(Math.floor(random() * 4e12)),
      ...(outside ? [() => /x+/g, () => new URL("https://example.com/"), () => Buffer.from("hi"), () => new Date(Number.NaN), () => Symbol("s"), () => new Uint8Array([1])] : []),
    ])();
  if (depth <= 0 || random() < 0.3) return leaf();
  const size = Math.floor(random() * 4);
  const child = () => randomValue(random, depth - 1, outside);
  return pick<() => unknown>([
    () => Array.from({ length: size }, child),
    () => Object.fromEntries(Array.from({ length: size }, () => [pick(keys), child()])),
    () => new Map(Array.from({ length: size }, () => [random() < 0.5 ? pick(keys) : child(), child()])),
    () => new Set(Array.from({ length: size }, child)),
    () => {
      const o = Object.create(null) as Record<string, unknown>;
      o[pick(keys)] = child();
      return o;
    },
  ])();
}

describe("encodeCommonValue", () => {
  it("writes exactly what superjson.serialize writes, for 20,000 random values", () => {
    const random = prng(20261204);
    let inSubset = 0;
    for (let i = 0; i < 20_000; i++) {
      const value = randomValue(random, 4, i % 4 === 0);
      const ours = encodeCommonValue(value);
      if (ours === undefined) continue;
      inSubset++;
      expect(JSON.stringify(ours), `value #${i}`).toBe(JSON.stringify(superjson.serialize(value)));
    }
    expect(inSubset).toBeGreaterThan(12_000);
  });

  it("gives the values superjson marks as the same object to superjson (NaN, equal BigInts, shared objects)", () => {
    const shared = { n: 1 };
    for (const value of [[Number.NaN, Number.NaN], [5n, 5n], [shared, shared], { a: new Map([[1, shared]]), b: shared }]) {
      expect(encodeCommonValue(value)).toBeUndefined();
      expect(superjson.serialize(value).meta).toHaveProperty("referentialEqualities");
    }
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(encodeCommonValue(circular)).toBeUndefined();
  });

  it("leaves class instances, subclasses, holes, refused keys and arrays with extra properties to superjson", () => {
    class MyMap extends Map {}
    class Point {
      x = 1;
    }
    const extra = Object.assign([new Date(0)], { note: new Date(1) });
    const holey = [1, 2, 3];
    delete holey[1];
    const refused = [new MyMap(), new Point(), holey, JSON.parse('{"__proto__": 1}'), { constructor: 1 }, { prototype: new Date(0) }, extra, { [Symbol("s")]: 1 }, () => 1];
    for (const value of refused) expect(encodeCommonValue(value), String(value)).toBeUndefined();
  });

  it("round-trips through decodeValue, and encodeValue uses it for common values", () => {
    const value = { at: new Date(1_700_000_000_000), seen: new Map<string, unknown>([["a", 1], ["b", new Set([2n, undefined])]]), n: -0, inf: Number.NEGATIVE_INFINITY };
    const encoded = encodeValue(value);
    expect(encoded).toStrictEqual(encodeCommonValue(value));
    const back = decodeValue(JSON.parse(JSON.stringify(encoded)) as never) as typeof value;
    expect(back).toStrictEqual(value);
    expect(Object.is(back.n, -0)).toBe(true);
  });

  it("does not encode plain JSON differently from superjson", () => {
    const value = { a: [1, "x", null, { b: true }] };
    expect(encodeCommonValue(value)).toStrictEqual(superjson.serialize(value));
  });
});
