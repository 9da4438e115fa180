/**
 * Journals written line by line for reader tests, with the production framing (chained CRC).
 */
import { frameLine } from "../../src/journal/codec.js";
import type { JournalRecord, RunHeader } from "../../src/journal/records.js";

/** A v1 run header for tests. */
export function testHeader(fields: Partial<RunHeader> = {}): RunHeader {
  return {
    v: 1, type: "run", runId: "01JD3Q8Z9X4M2N7P5R6S8T0V1W", workflow: "wf", key: "wf", input: { json: null }, codeHash: "0000000000000000",
    entry: { script: null, argv: [], cwd: "/", execPath: "node", execArgv: [] }, host: "test", pid: 1, startedAt: 1_700_000_000_000,
    ...fields,
  };
}

/** `n` completed steps `s1..sn` (a started and a step record each), epoch 1. */
export function testSteps(n: number, epoch = 1): JournalRecord[] {
  const out: JournalRecord[] = [];
  for (let i = 1; i <= n; i++) {
    out.push({ type: "started", key: `s${i}`, seq: i, kind: "step", epoch, at: 1_700_000_000_000 + i });
    out.push({ type: "step", key: `s${i}`, seq: i, kind: "step", out: { json: { i, text: `value ${i}` } }, attempts: 1, ms: 0, epoch, at: 1_700_000_000_000 + i });
  }
  return out;
}

/**
 * Frames objects as journal lines, each chained to the one before.
 *
 * @example
 * ```ts
 * const bytes = journalBytes([testHeader(), ...testSteps(3)]);
 * ```
 */
export function journalLines(objects: readonly object[]): string[] {
  let crc = 0;
  return objects.map((o) => {
    const framed = frameLine(JSON.stringify(o), crc);
    crc = framed.crc;
    return framed.line;
  });
}

/** The bytes of a journal holding `objects`. */
export function journalBytes(objects: readonly object[]): Buffer {
  return Buffer.from(journalLines(objects).join(""));
}
