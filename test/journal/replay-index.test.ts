import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JournalCorruptError, NonDeterminismError } from "../../src/errors.js";
import { parseJournal, readJournal } from "../../src/journal/reader.js";
import { RecordIndex, callKind, takeIndex } from "../../src/journal/record-index.js";
import type { CallKind, JournalRecord, StepRecord } from "../../src/journal/records.js";
import { ReplayState } from "../../src/run/replay-state.js";
import { journalBytes, testHeader, testSteps } from "../helpers/journal-lines.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";

const FILE = "/state/runs/wf/run.jsonl";
const at = 1;

afterEach(removeTempDirs);

function started(key: string, seq: number, epoch = 1, kind: CallKind = "step"): JournalRecord {
  return { type: "started", key, seq, kind, epoch, at };
}

function result(key: string, seq: number, epoch = 1, kind: CallKind = "step"): StepRecord {
  return { type: "step", key, seq, kind, out: { json: { key } }, attempts: 1, ms: 0, epoch, at };
}

function read(records: JournalRecord[]) {
  return parseJournal(FILE, journalBytes([testHeader(), ...records]));
}

function corruptAt(records: JournalRecord[]): { line: number; reason: string } {
  try {
    read(records);
  } catch (error) {
    if (error instanceof JournalCorruptError) return { line: error.line, reason: error.reason };
    throw error;
  }
  throw new Error("expected JournalCorruptError, the journal was accepted");
}

/** What replay sees, computed the plain way: every map filled record by record, calls first come first served. */
function reference(records: readonly JournalRecord[]) {
  const results = new Map<string, StepRecord>();
  const startedKeys = new Set<string>();
  const calls: { kind: CallKind; key: string }[] = [];
  for (const r of records) {
    if (r.type === "started") startedKeys.add(r.key);
    if (r.type === "step") results.set(r.key, r);
    if ("seq" in r && r.type !== "patch" && calls[r.seq] === undefined) calls[r.seq] = { key: r.key, kind: r.type === "started" || r.type === "step" ? r.kind : r.type === "step-failed" ? "step" : r.type === "sleep" ? "sleep" : r.type === "child" ? "child" : "event" };
  }
  return { results, inDoubt: [...startedKeys].filter((k) => !results.has(k)).sort(), calls };
}

function observed(state: ReplayState, records: readonly JournalRecord[]) {
  const keys = new Set(records.flatMap((r) => ("key" in r ? [r.key] : [])));
  const results = new Map<string, StepRecord>();
  for (const key of keys) {
    const found = state.results.get(key);
    if (found) results.set(key, found);
  }
  return { results, inDoubt: [...state.started].sort() };
}

/** Journals of many shapes: concurrent steps, retries, crashes, new epochs, every record type. */
const shapes: Record<string, JournalRecord[]> = {
  sequential: testSteps(5),
  "crashed with a step in doubt": [...testSteps(3), started("s4", 4)],
  concurrent: [started("a", 1), started("b", 2), result("b", 2), result("a", 1), started("c", 3), result("c", 3)],
  "retried then completed": [
    started("a", 1),
    { type: "attempt", key: "a", attempt: 1, error: { name: "Error", message: "x" }, delayMs: 10, epoch: 1, at },
    result("a", 1),
  ],
  "in doubt, then run again in a new epoch": [started("a", 1), started("b", 2), started("b", 1, 2), result("b", 1, 2), started("a", 2, 2)],
  "every record type": [
    started("a", 1), result("a", 1),
    { type: "step", key: "$now", seq: 2, kind: "now", out: { json: 5 }, attempts: 1, ms: 0, epoch: 1, at },
    { type: "sleep", key: "nap", seq: 3, until: 9, epoch: 1, at },
    { type: "wait", key: "ev", seq: 4, event: "go", until: null, epoch: 1, at },
    { type: "event", key: "ev", seq: 4, event: "go", data: { json: 1 }, messageId: "m1", epoch: 1, at },
    { type: "patch", key: "$patch:p", seq: 4, patched: true, epoch: 1, at },
    { type: "child", key: "$child:c", seq: 5, childRunId: "01JD3Q8Z9X4M2N7P5R6S8T0V1X", workflow: "c", epoch: 1, at },
    started("$child:c", 5, 1, "child"), result("$child:c", 5, 1, "child"),
    started("bad", 6),
    { type: "step-failed", key: "bad", seq: 6, attempts: 1, error: { name: "Error", message: "x" }, epoch: 1, at },
    { type: "compensate", key: "a", epoch: 1, at },
    { type: "cancel", reason: "stop", epoch: 1, at },
  ],
};

describe("the replay index built while a journal is read", () => {
  for (const [shape, records] of Object.entries(shapes)) {
    it(`gives replay what the records say (${shape})`, () => {
      const journal = read(records);
      expect(journal.records).toEqual(records);
      const expected = reference(records);
      const fromReader = new ReplayState(journal.records);
      const rebuilt = new ReplayState([...journal.records]);
      for (const state of [fromReader, rebuilt]) {
        expect(observed(state, records)).toEqual({ results: expected.results, inDoubt: expected.inDoubt });
        expect(state.recordedSteps).toBe(expected.results.size);
        for (let seq = 1; seq < expected.calls.length + 2; seq++) {
          const call = expected.calls[seq];
          // Strict mode compares the code's calls with the journal's, by number.
          if (call !== undefined) expect(() => state.nextSeq(call.kind, call.key, true), `#${seq}`).not.toThrow();
          else state.nextSeq("step", "anything", true);
        }
      }
    });
  }

  it("hands the index to one replay state only, and not after the records were changed", () => {
    const journal = read([...testSteps(2), started("s3", 3)]);
    const index = takeIndex(journal.records)!;
    // A result holds its call number (replay finds it without a look-up by key); an in-doubt call, its started record.
    expect([index.callAt(1)?.type, index.callAt(2)?.type, index.callAt(3)?.type, index.callAt(4)]).toEqual(["step", "step", "started", undefined]);
    expect(takeIndex(journal.records)).toBeUndefined();
    const again = read(testSteps(2));
    again.records.pop();
    expect(takeIndex(again.records)).toBeUndefined();
    expect(new ReplayState(again.records).results.get("s2")).toBeUndefined();
  });

  it("finds a result by its call number and by key, and keeps results recorded during the run", () => {
    const state = new ReplayState(read([...testSteps(3), started("s4", 4)]).records);
    expect(state.recorded("s2", 2)?.key).toBe("s2");
    expect(state.recorded("s2", 3)?.key).toBe("s2"); // called in another order: found by key
    expect(state.recorded("s4", 4)).toBeUndefined(); // in doubt: only its started record holds #4
    expect(state.started.has("s4")).toBe(true);
    const done = result("s4", 4, 2);
    state.results.set("s4", done);
    expect(state.results.get("s4")).toBe(done);
    expect(state.results.has("s4")).toBe(true);
    expect(state.recordedSteps).toBe(4);
    state.results.set("s4", result("s4", 4, 2));
    expect(state.recordedSteps).toBe(4);
  });

  it("reports a strict-mode divergence at the journal's call", () => {
    const state = new ReplayState(read(testSteps(2)).records);
    state.nextSeq("step", "s1", true);
    expect(() => state.nextSeq("step", "other", true)).toThrow(NonDeterminismError);
    expect(() => state.nextSeq("step", "other", true)).not.toThrow(); // #3: nothing recorded there
    const short = new ReplayState(read(testSteps(2)).records);
    short.nextSeq("step", "s1", true);
    expect(() => short.checkNoMissingCalls()).toThrow(/step 's2' at #2/);
    expect(short.hasRecordedCallsAfter(1)).toBe(true);
    expect(short.hasRecordedCallsAfter(2)).toBe(false);
  });

  it("knows which keys the code reached from the call counts, and lists the recorded calls it did not reach", () => {
    const records = [started("a", 1), result("a", 1), started("a#2", 2), result("a#2", 2), started("a#3", 3), result("a#3", 3), started("b", 4), result("b", 4)];
    const state = new ReplayState(read(records).records);
    expect(state.nextKey("a")).toBe("a");
    expect(state.nextKey("a")).toBe("a#2");
    state.reached.add("items[0]");
    for (const key of ["a", "a#2", "items[0]"]) expect(state.reached.has(key), key).toBe(true);
    for (const key of ["a#3", "a#1", "a#02", "a#", "b", "items[1]", "#2"]) expect(state.reached.has(key), key).toBe(false);
    expect(state.orphaned()).toEqual(["a#3", "b"]);
  });

  it("keeps call numbers steplog never writes without growing a table for them", () => {
    const odd = [
      { ...started("far", 1), seq: 2 ** 40 } as JournalRecord,
      { type: "sleep", key: "neg", seq: -1, until: 1, epoch: 2, at } as JournalRecord,
      { type: "sleep", key: "half", seq: 1.5, until: 1, epoch: 2, at } as JournalRecord,
      started("near", 1, 3), result("near", 1, 3),
    ];
    const state = new ReplayState(read(odd).records);
    expect(state.recorded("near", 1)?.key).toBe("near");
    expect(state.hasRecordedCallsAfter(2 ** 40 - 1)).toBe(true);
    expect(state.orphaned()).toEqual(["near", "far"]);
    expect(callKind(state.recorded("near", 1)!)).toBe("step");
  });

  it("applies the record rules to results that directly follow their started record", () => {
    const cases: Array<[string, JournalRecord[], number, string]> = [
      ["a second result after a second started", [started("a", 1), result("a", 1), started("a", 2), result("a", 2)], 5, "a second result"],
      ["a result started only in an older epoch", [started("a", 1), started("b", 1, 2), result("a", 1, 2)], 4, "without its started record"],
      ["an attempt in a newer epoch than its step's start", [started("a", 1), result("a", 1), { type: "attempt", key: "a", attempt: 1, error: { name: "E", message: "m" }, delayMs: null, epoch: 2, at }], 4, "without its started record"],
    ];
    for (const [what, records, line, reason] of cases) {
      expect(corruptAt(records), what).toEqual({ line, reason: expect.stringContaining(reason) });
    }
    // As before: an attempt after its step's result in the same epoch, and a "now" value without a started record.
    const accepted = [started("a", 1), result("a", 1), { type: "attempt", key: "a", attempt: 1, error: { name: "E", message: "m" }, delayMs: null, epoch: 1, at } as JournalRecord, result("$now", 2, 1, "now")];
    expect(read(accepted).records).toEqual(accepted);
  });

  it("knows the journal's highest epoch", () => {
    const records = shapes["in doubt, then run again in a new epoch"]!;
    expect(new ReplayState(read(records).records).journalEpoch).toBe(2);
    expect(new ReplayState([...records]).journalEpoch).toBe(2);
    expect(new ReplayState([]).journalEpoch).toBe(0);
  });

  it("builds the same index from records read before", () => {
    const records = shapes["every record type"]!;
    const index = RecordIndex.of(records);
    expect(index.count).toBe(records.length);
    expect(index.epoch).toBe(1);
    expect(index.hadFailures).toBe(true);
    expect(index.cancelReason).toBe("stop");
    expect([...index.compensated]).toEqual(["a"]);
    expect([...index.consumedMessages]).toEqual(["m1"]);
    expect(index.patches.get("$patch:p")).toBe(true);
    expect([...index.allCalls()].map((c) => c.key)).toEqual(["a", "$now", "nap", "ev", "$child:c", "bad"]);
  });
});

describe("reading a journal file in chunks", () => {
  function writeJournal(records: JournalRecord[]): string {
    const file = path.join(tempDir("chunks"), "run.jsonl");
    fs.writeFileSync(file, journalBytes([testHeader(), ...records]));
    return file;
  }

  it("reads lines that cross chunk boundaries, lines longer than a chunk, and non-ASCII text, as the bytes say", () => {
    const records: JournalRecord[] = [];
    for (let i = 1; i <= 4000; i++) {
      const key = i % 7 === 0 ? `é✓ ${i}` : `s${i}`;
      records.push(started(key, i));
      const big = i % 1000 === 0 ? "x".repeat(300_000 + i) : `value ${i}`;
      records.push({ ...result(key, i), out: { json: { big, text: i % 5 === 0 ? "ünïcödé 😀" : "plain" } } });
    }
    const file = writeJournal(records);
    expect(fs.statSync(file).size).toBeGreaterThan(2 * 256 * 1024);
    const fromFile = readJournal(file);
    const fromBytes = parseJournal(file, fs.readFileSync(file));
    expect(fromFile.records).toEqual(records);
    expect(fromBytes.records).toEqual(records);
    expect(fromFile.lastCrc).toBe(fromBytes.lastCrc);
    expect(fromFile.validBytes).toBe(fs.statSync(file).size);
    expect(new ReplayState(fromFile.records).results.get("é✓ 7")?.out.json).toEqual({ big: "value 7", text: "plain" });
  });

  it("names the line of damage far into the file, and leaves the caller's bytes as they were", () => {
    const records = testSteps(3000);
    const file = writeJournal(records);
    const bytes = fs.readFileSync(file);
    const copy = Buffer.from(bytes);
    expect(parseJournal(file, bytes).records.length).toBe(records.length);
    expect(bytes.equals(copy)).toBe(true);
    // Damage line 5001 (a step's result): one character of its value.
    let offset = 0;
    for (let line = 1; line < 5001; line++) offset = bytes.indexOf(10, offset) + 1;
    const at = bytes.indexOf("value", offset);
    expect(at).toBeLessThan(bytes.indexOf(10, offset));
    bytes[at] = "V".charCodeAt(0);
    fs.writeFileSync(file, bytes);
    expect(() => readJournal(file)).toThrow(expect.objectContaining({ line: 5001, reason: expect.stringContaining("checksum mismatch") }));
    const before = Buffer.from(bytes);
    expect(() => parseJournal(file, bytes)).toThrow(expect.objectContaining({ line: 5001 }));
    expect(bytes.equals(before)).toBe(true);
  });
});
