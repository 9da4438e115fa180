/**
 * Journaled values for the browser: a decoded value (Dates, Maps, Sets, BigInts, …) becomes a tagged JSON tree
 * the page can draw without guessing, bounded in size so a huge output cannot freeze the page.
 */
import { decodeValue } from "../journal/values.js";
import type { EncodedValue } from "../journal/records.js";
import { messageOf } from "../errors.js";

/** One node of a value as the page draws it. */
export type TypedValue =
  | { t: "null" | "undefined" | "circular" }
  | { t: "bool"; v: boolean }
  | { t: "num"; v: number | "NaN" | "Infinity" | "-Infinity" | "-0" }
  | { t: "str" | "bigint" | "date" | "regexp" | "url"; v: string }
  | { t: "array" | "set"; items: TypedValue[]; more?: number }
  | { t: "object"; entries: [string, TypedValue][]; more?: number }
  | { t: "map"; entries: [TypedValue, TypedValue][]; more?: number }
  | { t: "bytes"; type: string; length: number; hex: string }
  | { t: "other"; v: string }
  | { t: "error"; message: string };

/** Limits of {@link toTypedValue}. */
export interface TypedValueLimits {
  /** Nodes drawn in all; the rest is counted as "more". @default 5_000 */
  maxNodes?: number;
  /** Characters kept of one string. @default 20_000 */
  maxString?: number;
}

/**
 * The typed tree of a decoded value.
 *
 * @example
 * ```ts
 * toTypedValue(new Map([["at", new Date(0)]]));
 * // { t: "map", entries: [[{ t: "str", v: "at" }, { t: "date", v: "1970-01-01T00:00:00.000Z" }]] }
 * ```
 */
export function toTypedValue(value: unknown, limits: TypedValueLimits = {}): TypedValue {
  const budget = { nodes: limits.maxNodes ?? 5_000, maxString: limits.maxString ?? 20_000 };
  return convert(value, budget, new Set());
}

/**
 * The typed tree of a journaled (superjson-encoded) value; a value that cannot be decoded becomes an error node.
 *
 * @example
 * ```ts
 * typedFromEncoded({ json: "1", meta: { values: ["bigint"] } }); // { t: "bigint", v: "1" }
 * ```
 */
export function typedFromEncoded(encoded: EncodedValue | undefined): TypedValue {
  try {
    return toTypedValue(decodeValue(encoded));
  } catch (error) {
    return { t: "error", message: messageOf(error) };
  }
}

interface Budget {
  nodes: number;
  maxString: number;
}

function convert(value: unknown, budget: Budget, ancestors: Set<object>): TypedValue {
  budget.nodes--;
  switch (typeof value) {
    case "undefined":
      return { t: "undefined" };
    case "boolean":
      return { t: "bool", v: value };
    case "number":
      return { t: "num", v: numberOf(value) };
    case "bigint":
      return { t: "bigint", v: value.toString() };
    case "string":
      return { t: "str", v: value.length > budget.maxString ? `${value.slice(0, budget.maxString)}… (${value.length} characters)` : value };
    case "object":
      break;
    default:
      return { t: "other", v: typeof value };
  }
  if (value === null) return { t: "null" };
  if (ancestors.has(value)) return { t: "circular" };
  if (value instanceof Date) return { t: "date", v: Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString() };
  if (value instanceof RegExp) return { t: "regexp", v: String(value) };
  if (value instanceof URL) return { t: "url", v: value.href };
  if (ArrayBuffer.isView(value)) return bytesOf(value);
  ancestors.add(value);
  try {
    if (value instanceof Map) {
      const entries: [TypedValue, TypedValue][] = [];
      for (const [k, v] of value) {
        if (budget.nodes <= 0) return { t: "map", entries, more: value.size - entries.length };
        entries.push([convert(k, budget, ancestors), convert(v, budget, ancestors)]);
      }
      return { t: "map", entries };
    }
    if (value instanceof Set || Array.isArray(value)) {
      const items: TypedValue[] = [];
      const all = [...(value as Iterable<unknown>)];
      for (const item of all) {
        if (budget.nodes <= 0) return { t: value instanceof Set ? "set" : "array", items, more: all.length - items.length };
        items.push(convert(item, budget, ancestors));
      }
      return { t: value instanceof Set ? "set" : "array", items };
    }
    const keys = Object.keys(value);
    const entries: [string, TypedValue][] = [];
    for (const k of keys) {
      if (budget.nodes <= 0) return { t: "object", entries, more: keys.length - entries.length };
      entries.push([k, convert((value as Record<string, unknown>)[k], budget, ancestors)]);
    }
    return { t: "object", entries };
  } finally {
    ancestors.delete(value);
  }
}

function numberOf(n: number): number | "NaN" | "Infinity" | "-Infinity" | "-0" {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "Infinity";
  if (n === -Infinity) return "-Infinity";
  if (Object.is(n, -0)) return "-0";
  return n;
}

function bytesOf(view: ArrayBufferView): TypedValue {
  const type = Buffer.isBuffer(view) ? "Buffer" : view.constructor.name;
  const bytes = Buffer.from(view.buffer, view.byteOffset, Math.min(view.byteLength, 64));
  const length = "length" in view && typeof view.length === "number" ? view.length : view.byteLength;
  return { t: "bytes", type, length, hex: bytes.toString("hex") + (view.byteLength > 64 ? "…" : "") };
}
