/**
 * Regression tests for the defects the fault suite found, small enough for every `npm test`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LockLostError, createFileStore, workflow, type WorkflowContext } from "../../src/index.js";
import { readJournal } from "../../src/journal/reader.js";
import { JournalWriter } from "../../src/journal/writer.js";
import type { Store } from "../../src/store/store.js";
import { testHeader, testSteps } from "../helpers/journal-lines.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

describe("a holder fenced out while stalled", () => {
  it("cannot add records to the journal once another process reopened it fenced: its appends are refused with LockLostError", () => {
    const file = path.join(tempDir("fence"), "01JD3Q8Z9X4M2N7P5R6S8T0V1W.jsonl");
    const [started, step] = testSteps(2, 1).slice(2) as [object, object];
    let clock = 0; // the stalled writer's monotonic clock: it checks for a takeover after at most 250 ms
    const stalled = JournalWriter.create(file, JSON.stringify(testHeader()), { durability: "process", monotonicNow: () => clock });
    for (const record of testSteps(1, 1)) stalled.append(JSON.stringify(record));

    const read = readJournal(file);
    const next = JournalWriter.reopen(file, read.validBytes, read.lastCrc, { durability: "process" }, true);
    clock += 2_000; // it stalled past the lock's stale time, which is how another process could take over
    expect(() => stalled.append(JSON.stringify(started))).toThrow(LockLostError);
    expect(() => stalled.append(JSON.stringify(step))).toThrow(LockLostError);
    next.append(JSON.stringify({ ...started, epoch: 2 }));
    next.close();
    stalled.close();

    const after = readJournal(file);
    expect(after.records.map((r) => `${r.type} ${r.epoch}`)).toEqual(["started 1", "step 1", "started 2"]);
    expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
  });
});

describe("an explicit key whose run completes while another start waits for the lock", () => {
  it("returns the recorded result instead of starting a second run of that key", async () => {
    const dir = path.join(tempDir("key-race"), "state");
    let bodies = 0;
    const wf = workflow("key-race", async (ctx: WorkflowContext) => {
      bodies++;
      return ctx.step("only", () => "done once");
    }, { durability: "process" });
    const files = createFileStore({ dir });
    let raced = false;
    // Another process completes the key's run between this start's first look and its lock.
    const store = new Proxy(files, {
      get(target, prop: keyof Store) {
        if (prop === "lock") {
          return async (...args: Parameters<Store["lock"]>) => {
            if (!raced) {
              raced = true;
              await wf.run(undefined, { key: "slot", store: target });
            }
            return target.lock(...args);
          };
        }
        const value = target[prop];
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    expect(await wf.run(undefined, { key: "slot", store })).toBe("done once");
    expect(raced).toBe(true);
    expect(bodies).toBe(1);
    expect(await files.listRuns({ workflow: "key-race" })).toHaveLength(1);
  });
});

describe("resuming after a clean release or a dead owner", () => {
  it("appends in place, without copying the journal, when no takeover marker says the old owner may still run", () => {
    const file = path.join(tempDir("no-fence"), "01JD3Q8Z9X4M2N7P5R6S8T0V1W.jsonl");
    const first = JournalWriter.create(file, JSON.stringify(testHeader()), { durability: "process" });
    for (const record of testSteps(1, 1)) first.append(JSON.stringify(record));
    first.close();
    const inode = fs.statSync(file).ino;
    const read = readJournal(file);
    const next = JournalWriter.reopen(file, read.validBytes, read.lastCrc, { durability: "process" });
    next.append(JSON.stringify({ ...(testSteps(2, 1)[2] as object), epoch: 2 }));
    next.close();
    expect(fs.statSync(file).ino).toBe(inode);
    expect(readJournal(file).records.map((r) => `${r.type} ${r.epoch}`)).toEqual(["started 1", "step 1", "started 2"]);
  });
});
