/**
 * One journal line: `{"crc":"xxxxxxxx",...fields}\n`. The CRC-32 covers the line's own content without the crc
 * field (`{` + the rest) and is chained: it starts from the previous line's CRC. So a torn tail is told apart
 * from damage in the middle, and a deleted, duplicated or swapped line breaks the chain at the next line.
 */
import { crc32 } from "./crc32.js";

const PREFIX = '{"crc":"';
/** Length of `{"crc":"xxxxxxxx",`. */
const PREFIX_LENGTH = PREFIX.length + 8 + 2;
const HEX = "0123456789abcdef";

function hex8(n: number): string {
  let s = "";
  for (let shift = 28; shift >= 0; shift -= 4) s += HEX[(n >>> shift) & 15];
  return s;
}

/** A framed line (with its newline) and the CRC the next line chains from. */
export interface FramedLine {
  line: string;
  crc: number;
}

/** Frames a record body (a `JSON.stringify`-ed object with at least one field) as a checksummed line. */
export function frameLine(body: string, previousCrc: number): FramedLine {
  const crc = crc32(body, previousCrc);
  return { line: `${PREFIX}${hex8(crc)}",${body.slice(1)}\n`, crc };
}

/** The parsed object and its CRC, or why the line could not be read. */
export type UnframeResult = { ok: true; value: Record<string, unknown>; crc: number } | { ok: false; reason: string };

const MISSING_CHECKSUM: UnframeResult = { ok: false, reason: "the line does not start with a checksum" };
const MISMATCH: UnframeResult = { ok: false, reason: "checksum mismatch (the line was changed, or a line before it was deleted, duplicated or moved)" };
const NOT_JSON: UnframeResult = { ok: false, reason: "not valid JSON" };
const NOT_OBJECT: UnframeResult = { ok: false, reason: "not a JSON object" };

/**
 * Verifies one line held as UTF-8 bytes (`bytes[start..end)`, without its newline) against the chain and parses
 * it: the same checks and results as {@link unframeLine} on the decoded line, without decoding the whole file
 * into one string or re-encoding each line for its checksum.
 *
 * The content the CRC covers and JSON.parse reads is `{` followed by the bytes after the crc field's comma: that
 * comma is replaced by `{` in place for the duration of the call (and always put back), so both read one range of
 * `bytes` without a copy.
 */
export function unframeBytes(bytes: Buffer, start: number, end: number, previousCrc: number): UnframeResult {
  const length = end - start;
  const content = start + PREFIX_LENGTH - 1;
  if (length <= PREFIX_LENGTH || bytes[content - 1] !== 34 || bytes[content] !== 44) return MISSING_CHECKSUM;
  for (let i = 0; i < PREFIX.length; i++) {
    if (bytes[start + i] !== PREFIX.charCodeAt(i)) return MISSING_CHECKSUM;
  }
  let expected = 0;
  for (let i = start + PREFIX.length; i < start + PREFIX.length + 8; i++) {
    const c = bytes[i]!;
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return MISMATCH;
    expected = expected * 16 + digit;
  }
  let value: unknown;
  let crc: number;
  bytes[content] = 0x7b;
  try {
    crc = crc32(bytes.subarray(content, end), previousCrc);
    if (crc !== expected) return MISMATCH;
    try {
      value = JSON.parse(bytes.toString("utf8", content, end));
    } catch {
      return NOT_JSON;
    }
  } finally {
    bytes[content] = 44;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return NOT_OBJECT;
  return { ok: true, value: value as Record<string, unknown>, crc };
}

/** Verifies one line (without its newline) against the chain and parses it. */
export function unframeLine(line: string, previousCrc: number): UnframeResult {
  if (!line.startsWith(PREFIX) || line.length <= PREFIX_LENGTH || line.charCodeAt(PREFIX_LENGTH - 2) !== 34 || line.charCodeAt(PREFIX_LENGTH - 1) !== 44) {
    return { ok: false, reason: "the line does not start with a checksum" };
  }
  const hex = line.slice(PREFIX.length, PREFIX.length + 8);
  const expected = /^[0-9a-f]{8}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
  const body = "{" + line.slice(PREFIX_LENGTH);
  const crc = crc32(body, previousCrc);
  if (crc !== expected) return { ok: false, reason: "checksum mismatch (the line was changed, or a line before it was deleted, duplicated or moved)" };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "not a JSON object" };
  return { ok: true, value: value as Record<string, unknown>, crc };
}
