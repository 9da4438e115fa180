import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PersistenceError } from "../../src/errors.js";
import { parseJournal } from "../../src/journal/reader.js";
import { JournalWriter } from "../../src/journal/writer.js";
import { testHeader, testSteps } from "../helpers/journal-lines.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

const [started, stepped] = testSteps(1) as [object, object];

describe("journal writer", () => {
  it("creates a new journal with mode 0600 and appends chained lines the reader accepts", async () => {
    const file = path.join(tempDir("writer"), "run.jsonl");
    const writer = JournalWriter.create(file, JSON.stringify(testHeader()), { durability: "fsync" });
    writer.append(JSON.stringify(started));
    const durable = writer.appendDurable(JSON.stringify(stepped));
    expect(durable).toBeInstanceOf(Promise);
    await durable;
    writer.close();
    writer.close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const read = parseJournal(file, fs.readFileSync(file));
    expect(read.records).toEqual([started, stepped]);
    expect(writer.size).toBe(fs.statSync(file).size);
  });

  it("with durability 'process' returns no promise from a durable append", () => {
    const file = path.join(tempDir("writer"), "run.jsonl");
    const writer = JournalWriter.create(file, JSON.stringify(testHeader()), { durability: "process" });
    expect(writer.appendDurable(JSON.stringify(started))).toBeUndefined();
    writer.close();
    expect(parseJournal(file, fs.readFileSync(file)).records).toEqual([started]);
  });

  it("never creates over an existing file or through a symbolic link", () => {
    const dir = tempDir("writer");
    const file = path.join(dir, "run.jsonl");
    fs.writeFileSync(file, "keep");
    expect(() => JournalWriter.create(file, "{}", { durability: "process" })).toThrow(PersistenceError);
    const link = path.join(dir, "link.jsonl");
    fs.symlinkSync(path.join(dir, "target.jsonl"), link);
    expect(() => JournalWriter.create(link, "{}", { durability: "process" })).toThrow(PersistenceError);
    expect(fs.existsSync(path.join(dir, "target.jsonl"))).toBe(false);
    expect(fs.readFileSync(file, "utf8")).toBe("keep");
  });

  it("refuses to reopen a journal behind a symbolic link", () => {
    const dir = tempDir("writer");
    const target = path.join(dir, "target.jsonl");
    fs.writeFileSync(target, "");
    const link = path.join(dir, "run.jsonl");
    fs.symlinkSync(target, link);
    expect(() => JournalWriter.reopen(link, 0, 0, { durability: "process" })).toThrow(/is a symbolic link/);
  });

  it("cuts a torn tail when reopening and continues the chain after the last good line", () => {
    const file = path.join(tempDir("writer"), "run.jsonl");
    const writer = JournalWriter.create(file, JSON.stringify(testHeader()), { durability: "process" });
    writer.append(JSON.stringify(started));
    writer.close();
    fs.appendFileSync(file, '{"crc":"0000');
    const read = parseJournal(file, fs.readFileSync(file));
    expect(read.tornTail).toBeDefined();
    const reopened = JournalWriter.reopen(file, read.validBytes, read.lastCrc, { durability: "process" });
    reopened.append(JSON.stringify(stepped));
    reopened.close();
    const again = parseJournal(file, fs.readFileSync(file));
    expect(again.tornTail).toBeUndefined();
    expect(again.records).toEqual([started, stepped]);
  });

  it.skipIf(!fs.existsSync("/dev/full"))("after a failed write (ENOSPC on /dev/full) refuses every later append with the same PersistenceError", () => {
    const writer = JournalWriter.openIndex("/dev/full", { durability: "fsync" });
    let first: unknown;
    try {
      writer.append('{"n":1}');
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(PersistenceError);
    expect((first as Error).message).toContain("will not append to it again");
    expect(writer.failed).toBe(first);
    expect(() => writer.append('{"n":2}')).toThrow(first as Error);
    expect(() => writer.appendDurable('{"n":3}')).toThrow(first as Error);
    expect(() => writer.whenSynced()).toThrow(first as Error);
    writer.close();
  });

  it("refuses appends after close", () => {
    const file = path.join(tempDir("writer"), "run.jsonl");
    const writer = JournalWriter.create(file, JSON.stringify(testHeader()), { durability: "fsync" });
    writer.close();
    expect(() => writer.append("{}")).toThrow(/is closed/);
    expect(parseJournal(file, fs.readFileSync(file)).records).toEqual([]);
  });
});
