import { describe, expect, it } from "vitest";
import { encodeValue } from "../../src/journal/values.js";
import type { EncodedValue } from "../../src/journal/records.js";
import { toTypedValue, typedFromEncoded } from "../../src/ui/typed-value.js";

describe("typed values for the dashboard", () => {
  it("keeps what a journaled value is: Date, Map, Set, BigInt, bytes, special numbers", () => {
    const encoded = encodeValue({ at: new Date(0), m: new Map([[1n, new Set(["a"])]]), b: Buffer.from("hi"), n: [NaN, -0, Infinity], u: undefined, r: /x/g });
    expect(typedFromEncoded(encoded as EncodedValue)).toEqual({
      t: "object",
      entries: [
        ["at", { t: "date", v: "1970-01-01T00:00:00.000Z" }],
        ["m", { t: "map", entries: [[{ t: "bigint", v: "1" }, { t: "set", items: [{ t: "str", v: "a" }] }]] }],
        ["b", { t: "bytes", type: "Buffer", length: 2, hex: "6869" }],
        ["n", { t: "array", items: [{ t: "num", v: "NaN" }, { t: "num", v: "-0" }, { t: "num", v: "Infinity" }] }],
        ["u", { t: "undefined" }],
        ["r", { t: "regexp", v: "/x/g" }],
      ],
    });
  });

  it("bounds huge values and marks circular ones", () => {
    const big = toTypedValue(Array.from({ length: 100 }, (_, i) => i), { maxNodes: 10 });
    expect(big).toMatchObject({ t: "array", more: 91 });
    expect(toTypedValue("x".repeat(50), { maxString: 10 })).toEqual({ t: "str", v: `${"x".repeat(10)}… (50 characters)` });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(toTypedValue(loop)).toEqual({ t: "object", entries: [["self", { t: "circular" }]] });
  });

  it("turns a value that cannot be decoded into an error node instead of failing the page", () => {
    expect(typedFromEncoded({ json: "x", meta: { values: ["nonsense"] } })).toMatchObject({ t: "error" });
  });
});
