/**
 * Values in the journal: plain JSON takes a fast path (no superjson walk); everything else goes through a
 * private superjson instance after a check that it will read back unchanged. A value that would not is
 * refused with the path of the offending part.
 */
import { createRequire } from "../builtins.js";
import type { SuperJSON } from "superjson";
import { InternalError, PersistenceError, messageOf } from "../errors.js";
import { encodeCommonValue } from "./common-values.js";
import type { EncodedValue, StoredError } from "./records.js";

type TypedArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
const TYPED_ARRAY_BY_NAME = new Map<string, new (buffer: ArrayBuffer) => TypedArray>([
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array,
  Float64Array, BigInt64Array, BigUint64Array,
].map((ctor) => [ctor.name, ctor]));
const TYPED_ARRAYS: ReadonlySet<unknown> = new Set(TYPED_ARRAY_BY_NAME.values());

/**
 * superjson is loaded on first use: plain JSON never needs it, so importing steplog does not pay for it. Where Node
 * can `require` an ES module (20.19+, 22.12+) it is loaded synchronously on demand; elsewhere its import starts
 * when this module loads and runs are opened only after it finished ({@link valueCodecPending}).
 */
let instance: SuperJSON | undefined;
let loading: Promise<void> | undefined;
const canRequireEsm = process.features.require_module === true;

function configure(SuperJSONClass: typeof SuperJSON): SuperJSON {
  return (instance ??= registerTypes(new SuperJSONClass()));
}

function codec(): SuperJSON {
  if (instance !== undefined) return instance;
  if (!canRequireEsm) throw new InternalError("superjson is used before it was loaded");
  return configure((createRequire(import.meta.url)("superjson") as typeof import("superjson")).SuperJSON);
}

function loadCodec(): Promise<void> {
  return (loading ??= import("superjson").then((m) => void configure(m.SuperJSON)));
}

/** A promise to await before values are encoded or decoded, or undefined when none is needed. */
export function valueCodecPending(): Promise<void> | undefined {
  return instance !== undefined || canRequireEsm ? undefined : loadCodec();
}

if (!canRequireEsm) void loadCodec();

function registerTypes(sj: SuperJSON): SuperJSON {
  sj.registerCustom<Buffer, string>(
    {
      isApplicable: (v): v is Buffer => Buffer.isBuffer(v),
      serialize: (v) => v.toString("base64"),
      deserialize: (v) => Buffer.from(v, "base64"),
    },
    "Buffer",
  );
  // superjson's own typed-array rule writes a JSON array: NaN, Infinity and -0 in float arrays come back changed and
  // BigInt arrays cannot be written at all. Their bytes are stored instead (lossless for every element type).
  sj.registerCustom<TypedArray, string>(
    {
      isApplicable: (v): v is TypedArray => ArrayBuffer.isView(v) && TYPED_ARRAYS.has(v.constructor) && !Buffer.isBuffer(v),
      serialize: (v) => `${v.constructor.name}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64")}`,
      deserialize: (v) => {
        const colon = v.indexOf(":");
        const ctor = TYPED_ARRAY_BY_NAME.get(v.slice(0, colon));
        if (ctor === undefined) throw new Error(`unknown typed array ${JSON.stringify(v.slice(0, colon))}`);
        const bytes = Buffer.from(v.slice(colon + 1), "base64");
        const copy = new ArrayBuffer(bytes.length);
        new Uint8Array(copy).set(bytes);
        return new ctor(copy);
      },
    },
    "TypedArray",
  );
  return sj;
}

/** Why a value cannot be journaled: the path (`result.rows[3].at`) and what was found there. */
export class Unserializable {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {}
}

/** True for values that `JSON.stringify` + `JSON.parse` return unchanged. Allocation-free. */
export function isPlainJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (depth > 200) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
      if (Object.getOwnPropertySymbols(value).length !== 0) return false;
      for (const k in value) {
        if (!isPlainJson((value as Record<string, unknown>)[k], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}


function describe(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor ? `an instance of class ${ctor}` : "an object with a custom prototype";
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Finds the first part of `value` that superjson would change or could not read back. */
export function findUnserializable(value: unknown, path = "result"): Unserializable | undefined {
  return walk(value, path, new Set());
}

function walk(value: unknown, path: string, ancestors: Set<object>): Unserializable | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "number":
    case "bigint":
    case "undefined":
      return undefined;
    case "function":
    case "symbol":
      return new Unserializable(path, describe(value));
  }
  if (value === null) return undefined;
  const obj = value as object;
  if (ancestors.has(obj)) return undefined; // superjson restores circular references
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? new Unserializable(path, "an Invalid Date") : undefined;
  if (obj instanceof RegExp || obj instanceof URL || Buffer.isBuffer(obj)) return undefined;
  if (TYPED_ARRAYS.has(obj.constructor)) return undefined;
  if (obj instanceof Error) return new Unserializable(path, "an Error (its class, stack and fields would be lost)");
  ancestors.add(obj);
  try {
    if (obj instanceof Map) {
      let i = 0;
      for (const [k, v] of obj) {
        const found = walk(k, `${path}.<map key ${i}>`, ancestors) ?? walk(v, `${path}.<map value ${i}>`, ancestors);
        if (found) return found;
        i++;
      }
      return undefined;
    }
    if (obj instanceof Set) {
      let i = 0;
      for (const v of obj) {
        const found = walk(v, `${path}.<set item ${i++}>`, ancestors);
        if (found) return found;
      }
      return undefined;
    }
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        if (!(i in obj)) return new Unserializable(`${path}[${i}]`, "a hole in a sparse array");
        const found = walk(obj[i], `${path}[${i}]`, ancestors);
        if (found) return found;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) return new Unserializable(path, describe(obj));
    for (const k of Reflect.ownKeys(obj)) {
      if (typeof k === "symbol") return new Unserializable(`${path}[${String(k)}]`, "a symbol key");
      if (k === "__proto__") return new Unserializable(keyPath(path, k), "a '__proto__' key");
      const found = walk((obj as Record<string, unknown>)[k], keyPath(path, k), ancestors);
      if (found) return found;
    }
    return undefined;
  } finally {
    ancestors.delete(obj);
  }
}

/**
 * Encodes a value for the journal, or returns why it cannot be stored. Plain JSON is returned as `{ json }`
 * without any copy or walk beyond the plain-JSON check; common values with Dates, Maps, Sets and the like are
 * encoded in one pass (common-values.ts); superjson, after its checks, serves the rest.
 */
export function encodeValue(value: unknown, path = "result"): EncodedValue | Unserializable {
  if (isPlainJson(value)) return { json: value };
  // What superjson writes for `undefined` (a step or workflow without a result), without loading it.
  if (value === undefined) return { json: null, meta: { values: ["undefined"], v: 1 } };
  const common = encodeCommonValue(value);
  if (common !== undefined) return common;
  const bad = findUnserializable(value, path);
  if (bad) return bad;
  const sj = codec();
  try {
    const { json, meta } = sj.serialize(value);
    return meta === undefined ? { json } : { json, meta };
  } catch (error) {
    return new Unserializable(path, `a value superjson cannot encode (${(error as Error).message})`);
  }
}

/**
 * Decodes a journaled value. Never touches a prototype: `__proto__` keys stay own data properties. A value
 * steplog could not have written (superjson refuses it) is a PersistenceError (exit 60), not a workflow error.
 */
export function decodeValue(encoded: EncodedValue | undefined): unknown {
  if (encoded === undefined) return undefined;
  if (encoded.meta === undefined) return encoded.json;
  if (isEncodedUndefined(encoded)) return undefined;
  const sj = codec();
  try {
    return sj.deserialize(encoded as Parameters<SuperJSON["deserialize"]>[0]);
  } catch (error) {
    throw new PersistenceError(`a stored value cannot be read back (${messageOf(error)}); it was not written by steplog`, { cause: error });
  }
}

/** `{ json: null, meta: { values: ["undefined"], v: 1 } }` (`v` optional): superjson's form of `undefined`. */
function isEncodedUndefined(encoded: EncodedValue): boolean {
  if (encoded.json !== null || typeof encoded.meta !== "object" || encoded.meta === null) return false;
  const meta = encoded.meta as Record<string, unknown>;
  const values = meta.values;
  return (
    Array.isArray(values) && values.length === 1 && values[0] === "undefined" && (meta.v === undefined || meta.v === 1) &&
    Object.keys(meta).every((k) => k === "values" || k === "v")
  );
}

/** Converts anything thrown into the form stored in the journal and DLQ. */
export function storeError(error: unknown, depth = 0): StoredError {
  if (error instanceof Error) {
    const stored: StoredError = { name: error.name, message: error.message };
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") stored.code = code;
    if (error.stack) stored.stack = error.stack;
    if (error.cause !== undefined && depth < 4) stored.cause = storeError(error.cause, depth + 1);
    return stored;
  }
  let message: string;
  try {
    message = typeof error === "string" ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    message = String(error);
  }
  return { name: "NonError", message };
}

/** An Error rebuilt from its stored form (name, message, code, stack). */
export function restoreError(stored: StoredError): Error {
  const error = new Error(stored.message, stored.cause ? { cause: restoreError(stored.cause) } : undefined);
  error.name = stored.name;
  if (stored.code !== undefined) (error as Error & { code?: string }).code = stored.code;
  if (stored.stack !== undefined) error.stack = stored.stack;
  return error;
}
