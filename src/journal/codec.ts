/**
 * One journal line: `{"crc":"xxxxxxxx",...fields}\n`. The CRC-32 covers the line's own content without the crc
 * field (`{` + the rest) and is chained: it starts from the previous line's CRC. So a torn tail is told apart
 * from damage in the middle, and a deleted, duplicated or swapped line breaks the chain at the next line.
 */
import { isAscii } from "../builtins.js";
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
  return { line: framedLine(body, crc), crc };
}

/** The line of a record body whose CRC (`crc32(body, previousCrc)`) is already known: no object per line. */
export function framedLine(body: string, crc: number): string {
  return `${PREFIX}${hex8(crc)}",${body.slice(1)}\n`;
}

const MISSING_CHECKSUM = "the line does not start with a checksum";
const MISMATCH = "checksum mismatch (the line was changed, or a line before it was deleted, duplicated or moved)";
const NOT_JSON = "not valid JSON";
const NOT_OBJECT = "not a JSON object";

/** What {@link unframeLines} did with a run of bytes. */
export interface UnframedLines {
  /** Bytes of the lines taken (each with its newline). */
  used: number;
  /** How many lines were taken. */
  lines: number;
  /** The chain CRC of the last line taken. */
  crc: number;
  /** Why the line after those taken was refused; undefined when every complete line was taken. */
  problem: string | undefined;
}

/**
 * Verifies and parses the complete lines of `bytes[0..size)` (UTF-8, each ending in a newline) in order, chained
 * from `previousCrc`, and hands each parsed object to `take`: the same checks and results as {@link unframeLine}
 * line by line, stopping at the first line refused. Bytes after the last newline are left alone.
 *
 * The content a line's CRC covers and JSON.parse reads is `{` followed by the bytes after the crc field's comma:
 * each comma is replaced by `{` in place for the duration of the call (and always put back). The CRC then reads
 * one range of `bytes`, and an ASCII run of lines (the usual case) is decoded to one string whose slices are
 * parsed: no copy of each line.
 */
export function unframeLines(bytes: Buffer, size: number, previousCrc: number, take: (value: Record<string, unknown>) => void): UnframedLines {
  // Where each line ends; negative (~end) for a line without the crc field's comma where it belongs.
  let ends = new Int32Array(4096);
  let count = 0;
  let used = 0;
  for (;;) {
    const end = bytes.indexOf(10, used);
    if (end === -1 || end >= size) break;
    if (count === ends.length) {
      const bigger = new Int32Array(count * 2);
      bigger.set(ends);
      ends = bigger;
    }
    const content = used + PREFIX_LENGTH - 1;
    if (end - used > PREFIX_LENGTH && bytes[content - 1] === 34 && bytes[content] === 44) {
      bytes[content] = 0x7b;
      ends[count++] = end;
    } else {
      ends[count++] = ~end;
    }
    used = end + 1;
  }
  const out: UnframedLines = { used: 0, lines: 0, crc: previousCrc, problem: undefined };
  try {
    const text = used > 0 && isAscii(bytes.subarray(0, used)) ? bytes.toString("latin1", 0, used) : undefined;
    const { buffer, byteOffset } = bytes;
    let crc = previousCrc;
    let start = 0;
    for (let i = 0; i < count; i++) {
      const end = ends[i]!;
      const problem = end < 0 ? MISSING_CHECKSUM : checkPrefix(bytes, start);
      if (problem !== undefined) return stop(out, start, i, crc, problem);
      const content = start + PREFIX_LENGTH - 1;
      const next = crc32(new Uint8Array(buffer, byteOffset + content, end - content), crc);
      if (next !== expectedCrc(bytes, start)) return stop(out, start, i, crc, MISMATCH);
      let value: unknown;
      try {
        value = JSON.parse(text !== undefined ? text.slice(content, end) : bytes.toString("utf8", content, end));
      } catch {
        return stop(out, start, i, crc, NOT_JSON);
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) return stop(out, start, i, crc, NOT_OBJECT);
      crc = next;
      take(value as Record<string, unknown>);
      start = end + 1;
    }
    return stop(out, start, count, crc, undefined);
  } finally {
    let start = 0;
    for (let i = 0; i < count; i++) {
      const end = ends[i]!;
      if (end >= 0) bytes[start + PREFIX_LENGTH - 1] = 44;
      start = (end < 0 ? ~end : end) + 1;
    }
  }
}

function stop(out: UnframedLines, used: number, lines: number, crc: number, problem: string | undefined): UnframedLines {
  out.used = used;
  out.lines = lines;
  out.crc = crc;
  out.problem = problem;
  return out;
}

/** Undefined when the line at `start` begins with `{"crc":"`, else why not. */
function checkPrefix(bytes: Buffer, start: number): string | undefined {
  for (let i = 0; i < PREFIX.length; i++) {
    if (bytes[start + i] !== PREFIX.charCodeAt(i)) return MISSING_CHECKSUM;
  }
  return undefined;
}

/** The CRC the line at `start` states, or -1 when it is not 8 lowercase hex digits. */
function expectedCrc(bytes: Buffer, start: number): number {
  let expected = 0;
  for (let i = start + PREFIX.length; i < start + PREFIX.length + 8; i++) {
    const c = bytes[i]!;
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return -1;
    expected = expected * 16 + digit;
  }
  return expected;
}

/** The parsed object and its CRC, or why the line could not be read. */
export type UnframeResult = { ok: true; value: Record<string, unknown>; crc: number } | { ok: false; reason: string };

/** Verifies one line (without its newline) against the chain and parses it. */
export function unframeLine(line: string, previousCrc: number): UnframeResult {
  if (!line.startsWith(PREFIX) || line.length <= PREFIX_LENGTH || line.charCodeAt(PREFIX_LENGTH - 2) !== 34 || line.charCodeAt(PREFIX_LENGTH - 1) !== 44) {
    return { ok: false, reason: MISSING_CHECKSUM };
  }
  const hex = line.slice(PREFIX.length, PREFIX.length + 8);
  const expected = /^[0-9a-f]{8}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
  const body = "{" + line.slice(PREFIX_LENGTH);
  const crc = crc32(body, previousCrc);
  if (crc !== expected) return { ok: false, reason: MISMATCH };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: NOT_JSON };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: NOT_OBJECT };
  return { ok: true, value: value as Record<string, unknown>, crc };
}
