import { describe, expect, it } from "vitest";
import { JournalCorruptError } from "../../src/errors.js";
import { parseJournal } from "../../src/journal/reader.js";
import type { JournalRecord } from "../../src/journal/records.js";
import { journalBytes, journalLines, testHeader, testSteps } from "../helpers/journal-lines.js";

const FILE = "/state/runs/wf/run.jsonl";

function corruptAt(bytes: Buffer | string): { line: number; reason: string } {
  try {
    parseJournal(FILE, Buffer.from(bytes));
  } catch (error) {
    if (error instanceof JournalCorruptError) {
      expect(error.message).toContain(`${FILE}:${error.line}`);
      return { line: error.line, reason: error.reason };
    }
    throw error;
  }
  throw new Error("expected JournalCorruptError, the journal was accepted");
}

describe("journal reader", () => {
  const objects = [testHeader(), ...testSteps(3)];
  const lines = journalLines(objects);
  const bytes = Buffer.from(lines.join(""));

  it("reads the header and every record", () => {
    const read = parseJournal(FILE, bytes);
    expect(read.header).toEqual(objects[0]);
    expect(read.records).toEqual(objects.slice(1));
    expect(read.validBytes).toBe(bytes.length);
    expect(read.tornTail).toBeUndefined();
  });

  it("discards and reports an incomplete last line cut at any byte, keeping every record before it", () => {
    const lastStart = bytes.length - Buffer.byteLength(lines.at(-1)!);
    for (let cut = lastStart + 1; cut < bytes.length; cut++) {
      const read = parseJournal(FILE, bytes.subarray(0, cut));
      expect(read.records).toEqual(objects.slice(1, -1));
      expect(read.tornTail).toEqual({ line: lines.length, bytes: cut - lastStart });
      expect(read.validBytes).toBe(lastStart);
    }
    expect(parseJournal(FILE, bytes.subarray(0, lastStart)).tornTail).toBeUndefined();
  });

  it("treats a torn multi-byte character in the last line as a torn tail", () => {
    const withText = journalBytes([testHeader(), { type: "started", key: "é✓", seq: 1, kind: "step", epoch: 1, at: 1 }]);
    const start = withText.lastIndexOf(10, withText.length - 2) + 1;
    for (let cut = start + 1; cut < withText.length; cut++) {
      const read = parseJournal(FILE, withText.subarray(0, cut));
      expect(read.records).toEqual([]);
      expect(read.validBytes).toBe(start);
    }
  });

  it("refuses a flipped bit anywhere before the last newline, naming the line", () => {
    let lineNo = 1;
    for (let i = 0; i < bytes.length - 1; i++) {
      if (bytes[i] === 10) {
        lineNo++;
        continue;
      }
      const changed = Buffer.from(bytes);
      changed[i] = changed[i]! ^ (1 << (i % 7));
      expect(corruptAt(changed).line, `byte ${i}`).toBe(lineNo);
    }
  });

  it("refuses a deleted, duplicated or swapped line, naming where the chain breaks", () => {
    for (let i = 1; i < lines.length - 1; i++) {
      const deleted = lines.filter((_, j) => j !== i);
      expect(corruptAt(deleted.join("")).line).toBe(i + 1);
      const duplicated = [...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)];
      expect(corruptAt(duplicated.join("")).line).toBe(i + 2);
      const swapped = [...lines];
      [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
      expect(corruptAt(swapped.join("")).line).toBe(i + 1);
    }
    expect(corruptAt(lines.slice(1).join("")).line).toBe(1);
  });

  it("refuses an unknown format version, an empty file and a torn header", () => {
    expect(corruptAt(journalBytes([testHeader({ v: 2 }), ...testSteps(1)]))).toEqual({ line: 1, reason: expect.stringContaining("version 2 is newer") });
    expect(corruptAt(journalBytes([{ ...testHeader(), v: "1" }]))).toEqual({ line: 1, reason: expect.stringContaining("unknown journal format version") });
    expect(corruptAt("")).toMatchObject({ line: 1, reason: "the file is empty" });
    expect(corruptAt(bytes.subarray(0, 40))).toMatchObject({ line: 1, reason: expect.stringContaining("header line is incomplete") });
    expect(corruptAt(journalBytes([{ type: "step" }]))).toMatchObject({ line: 1, reason: "the first line is not a run header" });
  });

  it("refuses records that break the record rules, naming the line", () => {
    const at = 1;
    const cases: Array<[string, JournalRecord[], number, string]> = [
      ["an unknown type", [{ type: "mystery", epoch: 1, at } as unknown as JournalRecord], 2, "unknown record type"],
      ["an epoch going back", [...testSteps(1, 2), ...testSteps(1, 1).map((r) => ({ ...r, key: "t" }))], 4, "epoch 1 follows one of epoch 2"],
      ["a result without its started", [testSteps(1)[1]!], 2, "without its started record"],
      ["a second result", [...testSteps(1), testSteps(1)[1]!], 4, "a second result"],
      ["a record after the end", [{ type: "end", status: "completed", out: { json: 1 }, epoch: 1, at }, ...testSteps(1)], 3, "follows the run's final end record"],
      ["a call out of order", [...testSteps(2).filter((r) => r.type === "started").reverse()], 3, "out of order"],
    ];
    for (const [what, records, line, reason] of cases) {
      expect(corruptAt(journalBytes([testHeader(), ...records])), what).toEqual({ line, reason: expect.stringContaining(reason) });
    }
  });

  it("accepts a failed end followed by a resumed epoch, and a newer epoch re-running an in-doubt step", () => {
    const records: JournalRecord[] = [
      ...testSteps(1),
      { type: "started", key: "s2", seq: 2, kind: "step", epoch: 1, at: 1 },
      { type: "end", status: "failed", error: { name: "Error", message: "x" }, epoch: 1, at: 1 },
      { type: "started", key: "s2", seq: 2, kind: "step", epoch: 2, at: 2 },
      { type: "step", key: "s2", seq: 2, kind: "step", out: { json: 2 }, attempts: 1, ms: 0, epoch: 2, at: 2 },
    ];
    expect(parseJournal(FILE, journalBytes([testHeader(), ...records])).records).toEqual(records);
  });

  it("keeps a __proto__ key as data and never touches a prototype", () => {
    const read = parseJournal(FILE, journalBytes([testHeader({ input: JSON.parse('{"json":{"__proto__":{"polluted":true}}}') })]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(read.header.input.json as object, "__proto__")).toBe(true);
  });
});
