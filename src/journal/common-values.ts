/**
 * superjson's encoding of the values steps return most often besides plain JSON (objects and arrays holding
 * Dates, Maps, Sets, BigInts, undefined, NaN, Infinity, -0), written directly: the same `{ json, meta }` that
 * `superjson.serialize` produces, in one pass, without loading superjson or walking the value twice.
 *
 * Anything outside that subset (a value reached twice, which superjson records as a referential equality;
 * class instances, subclasses, RegExp, URL, Buffer and typed arrays, symbols, functions, array holes, keys
 * superjson refuses) returns undefined and is left to superjson and its checks. A differential test holds the
 * output to superjson's, byte for byte.
 */
import type { EncodedValue } from "./records.js";

/** superjson's annotation tree: `[type]`, `[type, children]`, or children alone (paths escaped and joined). */
type Annotation = [string] | [string, Children] | Children;
interface Children {
  [path: string]: Annotation;
}

/** Thrown inside the walk when the value leaves the subset; caught once at the top. */
const OUTSIDE = Symbol("outside the common subset");

/**
 * The walk's second result: the annotation of the value just walked (undefined when it needs none). A module
 * variable instead of a returned pair, so that walking allocates only the output.
 */
let annotation: Annotation | undefined;

/**
 * `superjson.serialize(value)` for values in the common subset (see the module comment), or undefined when the
 * value is outside it. Plain JSON is better served by its own fast path; this one is for values that need meta.
 */
export function encodeCommonValue(value: unknown): EncodedValue | undefined {
  let json: unknown;
  try {
    json = walk(value, new Set());
  } catch (error) {
    if (error === OUTSIDE) return undefined;
    throw error;
  }
  const values = annotation;
  annotation = undefined;
  return values === undefined ? { json } : { json, meta: { values, v: 1 } };
}

/** Values superjson tracks by identity (objects, and NaN and BigInts, which it does not count as primitives). */
function track(seen: Set<unknown>, value: unknown): void {
  if (seen.has(value)) throw OUTSIDE;
  seen.add(value);
}

function walk(value: unknown, seen: Set<unknown>): unknown {
  annotation = undefined;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (Number.isFinite(value)) {
        if (value !== 0 || 1 / value > 0) return value;
        annotation = ["number"];
        return "-0";
      }
      annotation = ["number"];
      if (Number.isNaN(value)) {
        track(seen, value);
        return "NaN";
      }
      return value > 0 ? "Infinity" : "-Infinity";
    case "bigint":
      track(seen, value);
      annotation = ["bigint"];
      return value.toString();
    case "undefined":
      annotation = ["undefined"];
      return null;
    case "object":
      if (value === null) return null;
      break;
    default:
      throw OUTSIDE;
  }
  track(seen, value);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype || proto === null) return walkObject(value as Record<string, unknown>, seen);
  if (proto === Array.prototype) return walkArray(value as unknown[], seen);
  if (proto === Date.prototype) {
    const time = (value as Date).getTime();
    if (Number.isNaN(time)) throw OUTSIDE;
    annotation = ["Date"];
    return (value as Date).toISOString();
  }
  if (proto === Map.prototype) {
    const entries: unknown[] = [];
    let children: Children | undefined;
    let i = 0;
    for (const [k, v] of value as Map<unknown, unknown>) {
      // Each entry is a [key, value] array with annotations of its own, flattened into the map's as superjson
      // does (so that the order of the paths, integer-like ones first, is the same as superjson's).
      const pair = [walk(k, seen), undefined];
      let pairChildren = annotation === undefined ? undefined : addChild(undefined, "0", annotation);
      pair[1] = walk(v, seen);
      if (annotation !== undefined) pairChildren = addChild(pairChildren, "1", annotation);
      if (pairChildren !== undefined) children = addChild(children, String(i), pairChildren);
      entries.push(pair);
      i++;
    }
    annotation = children === undefined ? ["map"] : ["map", children];
    return entries;
  }
  if (proto === Set.prototype) {
    const items: unknown[] = [];
    let children: Children | undefined;
    for (const v of value as Set<unknown>) {
      const index = String(items.length);
      items.push(walk(v, seen));
      if (annotation !== undefined) children = addChild(children, index, annotation);
    }
    annotation = children === undefined ? ["set"] : ["set", children];
    return items;
  }
  throw OUTSIDE;
}

function walkObject(value: Record<string, unknown>, seen: Set<unknown>): Record<string, unknown> {
  if (Object.getOwnPropertySymbols(value).length !== 0) throw OUTSIDE;
  const out: Record<string, unknown> = {};
  let children: Children | undefined;
  for (const key of Object.keys(value)) {
    // superjson refuses these keys (prototype pollution); its own error is reported by the general path.
    if (key === "__proto__" || key === "constructor" || key === "prototype") throw OUTSIDE;
    out[key] = walk(value[key], seen);
    if (annotation !== undefined) children = addChild(children, escapeKey(key), annotation);
  }
  annotation = children;
  return out;
}

function walkArray(value: unknown[], seen: Set<unknown>): unknown[] {
  const out = new Array<unknown>(value.length);
  let children: Children | undefined;
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) throw OUTSIDE; // a hole: refused, with its path, by the general path
    out[i] = walk(value[i], seen);
    if (annotation !== undefined) children = addChild(children, String(i), annotation);
  }
  // superjson also walks an array's other own properties (which JSON then drops); leave such arrays to it.
  if (Object.keys(value).length !== value.length) throw OUTSIDE;
  annotation = children;
  return out;
}

/** Adds a child's annotation under `path` (already escaped), flattening a child that is itself only children. */
function addChild(children: Children | undefined, path: string, child: Annotation): Children {
  const into = children ?? {};
  if (Array.isArray(child)) {
    into[path] = child;
  } else {
    for (const inner of Object.keys(child)) into[`${path}.${inner}`] = child[inner]!;
  }
  return into;
}

/** superjson's path escaping: a backslash or a dot in a key is preceded by a backslash. */
function escapeKey(key: string): string {
  return key.includes("\\") || key.includes(".") ? key.replace(/\\/g, "\\\\").replace(/\./g, "\\.") : key;
}
