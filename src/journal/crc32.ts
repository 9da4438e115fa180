import { createRequire } from "../builtins.js";

type Crc32 = (data: string | Uint8Array, initial?: number) => number;

let table: Uint32Array | undefined;

function crc32Portable(data: string | Uint8Array, initial = 0): number {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  table ??= makeTable();
  let crc = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

let native: Crc32 | undefined;

/**
 * CRC-32 (IEEE) of a UTF-8 string or bytes, continuing from `initial`: native `zlib.crc32` where Node has it
 * (>= 20.15), else a portable table implementation with the same results. `node:zlib` is loaded on the first
 * call (a journal read or written), not when steplog is imported.
 */
export function crc32(data: string | Uint8Array, initial?: number): number {
  return (native ??= loadNative())(data, initial);
}

function loadNative(): Crc32 {
  const zlib = createRequire(import.meta.url)("node:zlib") as { crc32?: Crc32 };
  return zlib.crc32 ?? crc32Portable;
}
