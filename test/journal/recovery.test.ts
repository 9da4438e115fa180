import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { frameLine } from "../../src/journal/codec.js";
import { workflow, type RunEvent, type WorkflowContext } from "../../src/index.js";
import { runFixture } from "../helpers/fixture-process.js";
import { readSink } from "../helpers/sink.js";
import { onlyJournal, readRecords, snapshotTree, splitLines } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

describe("a torn last record", () => {
  it("is cut and reported at every byte offset; the run resumes, re-runs only that step and ends with the same result", async () => {
    const root = tempDir("torn");
    const template = path.join(root, "template");
    const executed: string[] = [];
    const warnings: string[] = [];
    const onEvent = (e: RunEvent) => void (e.type === "run:warning" && warnings.push(e.message));
    const wf = workflow("torn", async (ctx: WorkflowContext, input: { n: number }) => {
      const out: string[] = [];
      for (let i = 1; i <= 4; i++) out.push(await ctx.step(`s${i}`, () => (executed.push(`s${i}`), `${input.n}-${i}-${"x".repeat(i)}`)));
      return out;
    }, { durability: "process", onEvent });
    const expected = await wf.run({ n: 7 }, { key: "k", dir: template });
    const journal = onlyJournal(template, "torn");
    const runId = path.basename(journal, ".jsonl");
    const lines = splitLines(fs.readFileSync(journal));
    expect(readRecords(journal).records.at(-2)).toMatchObject({ type: "step", key: "s4" });
    const kept = Buffer.concat(lines.slice(0, -2));
    const last = lines.at(-2)!;

    for (let cut = 0; cut < last.length; cut++) {
      const dir = path.join(root, `cut-${cut}`);
      fs.cpSync(template, dir, { recursive: true });
      const file = path.join(dir, path.relative(template, journal));
      fs.writeFileSync(file, Buffer.concat([kept, last.subarray(0, cut)]));
      executed.length = 0;
      warnings.length = 0;

      expect(await wf.run({ n: 7 }, { runId, dir })).toEqual(expected);
      expect(executed, `cut at ${cut}`).toEqual(["s4"]);
      if (cut === 0) expect(warnings).toEqual([]);
      else expect(warnings).toEqual([`discarded an incomplete last line (${cut} bytes) at ${file}:${lines.length - 1}; it was being written when the process stopped`]);
      const after = fs.readFileSync(file);
      expect(after.subarray(0, kept.length).equals(kept)).toBe(true);
      const reread = readRecords(file);
      expect(reread.tornTail).toBeUndefined();
      expect(reread.records.at(-1)).toMatchObject({ type: "end", status: "completed" });
      fs.rmSync(dir, { recursive: true });
    }
  });

  it("is reported on stderr by main(), which resumes the run", async () => {
    const root = tempDir("torn-main");
    const stateDir = path.join(root, "state");
    const sink = path.join(root, "sink");
    const env = { STEPS: "5", SINK: sink };
    expect((await runFixture("chain.mjs", [], { stateDir, env: { ...env, CRASH_AT: "4" } })).signal).toBe("SIGKILL");
    const journal = onlyJournal(stateDir, "chain");
    const lines = splitLines(fs.readFileSync(journal));
    expect(readRecords(journal).records.at(-2)).toMatchObject({ type: "step", key: "step-3" });
    const stepLine = lines.at(-2)!;
    fs.writeFileSync(journal, Buffer.concat([...lines.slice(0, -2), stepLine.subarray(0, stepLine.length - 5)]));

    const resumed = await runFixture("chain.mjs", [], { stateDir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`discarded an incomplete last line (${stepLine.length - 5} bytes) at ${journal}:${lines.length - 1}`);
    const runId = path.basename(journal, ".jsonl");
    expect(readSink(sink)).toEqual([1, 2, 3, 3, 4, 5].map((i) => `${runId}:step-${i}`));
    const clean = await runFixture("chain.mjs", [], { stateDir: path.join(root, "clean"), env: { STEPS: "5" } });
    expect(resumed.stdout).toBe(clean.stdout);
  });
});

describe("a damaged journal", () => {
  /** A crashed run of the chain fixture: header, started/step for steps 1-4, started for step 5. */
  async function crashedRun() {
    const root = tempDir("corrupt");
    const stateDir = path.join(root, "state");
    const sink = path.join(root, "sink");
    const crashed = await runFixture("chain.mjs", [], { stateDir, env: { STEPS: "6", SINK: sink, CRASH_AT: "5" } });
    expect(crashed.signal).toBe("SIGKILL");
    const journal = onlyJournal(stateDir, "chain");
    return { root, stateDir, sink, journal, lines: splitLines(fs.readFileSync(journal)) };
  }

  const damages: Array<{ damage: string; edit: (lines: Buffer[]) => Buffer[]; line: number; reason: string }> = [
    { damage: "a flipped bit in a middle line", line: 5, reason: "checksum mismatch", edit: (lines) => lines.map((l, i) => (i === 4 ? flip(l, 40) : l)) },
    { damage: "a deleted middle line", line: 5, reason: "checksum mismatch", edit: (lines) => lines.filter((_, i) => i !== 4) },
    { damage: "a duplicated line", line: 6, reason: "checksum mismatch", edit: (lines) => [...lines.slice(0, 5), lines[4]!, ...lines.slice(5)] },
    { damage: "two swapped lines", line: 5, reason: "checksum mismatch", edit: (lines) => [...lines.slice(0, 4), lines[5]!, lines[4]!, ...lines.slice(6)] },
    { damage: "an unknown format version", line: 1, reason: "journal format version 2 is newer", edit: (lines) => [withVersion(lines[0]!, 2), ...lines.slice(1)] },
  ];

  for (const { damage, edit, line, reason } of damages) {
    it(`with ${damage} is refused with exit 60 naming file:line, and left byte-for-byte unchanged`, async () => {
      const { stateDir, sink, journal, lines } = await crashedRun();
      const damaged = Buffer.concat(edit(lines));
      fs.writeFileSync(journal, damaged);
      const sinkBefore = readSink(sink);

      for (const args of [[], ["--json"]]) {
        const resumed = await runFixture("chain.mjs", args, { stateDir, env: { STEPS: "6", SINK: sink } });
        expect(resumed.code).toBe(60);
        expect(resumed.stderr).toContain(`journal ${journal}:${line} is corrupt`);
        expect(resumed.stderr).toContain(reason);
        if (args.length > 0) expect(JSON.parse(resumed.stdout)).toMatchObject({ ok: false, exitCode: 60, error: { code: "JOURNAL_CORRUPT" } });
        expect(fs.readFileSync(journal).equals(damaged)).toBe(true);
        expect(readSink(sink)).toEqual(sinkBefore);
      }
    });
  }

  it("behind a symbolic link is refused with exit 60, and its target is not touched", async () => {
    const { root, stateDir, sink, journal } = await crashedRun();
    const target = path.join(root, "elsewhere.jsonl");
    fs.renameSync(journal, target);
    fs.symlinkSync(target, journal);
    const bytes = fs.readFileSync(target);
    const resumed = await runFixture("chain.mjs", [], { stateDir, env: { STEPS: "6", SINK: sink } });
    expect(resumed.code).toBe(60);
    expect(resumed.stderr).toContain(`${journal} is a symbolic link`);
    expect(fs.readFileSync(target).equals(bytes)).toBe(true);
    expect(fs.lstatSync(journal).isSymbolicLink()).toBe(true);
  });
});

describe("state directory permissions", () => {
  it("creates directories 0700 and files 0600", async () => {
    const root = tempDir("modes");
    const stateDir = path.join(root, "state");
    const done = await runFixture("chain.mjs", [], { stateDir, env: { STEPS: "3", FAIL_AT: "2" } });
    expect(done.code).toBe(30);
    const tree = snapshotTree(stateDir)!;
    expect(Object.keys(tree)).toEqual(expect.arrayContaining(["", "runs", "runs/chain", "dlq.jsonl", "locks"]));
    const wrong = Object.entries(tree)
      .filter(([, e]) => (e.kind === "dir" ? e.mode !== 0o700 : e.kind !== "file" || e.mode !== 0o600))
      .map(([p, e]) => `${p || "."} ${e.kind} ${e.mode.toString(8)}`);
    expect(wrong).toEqual([]);
  });
});

function flip(line: Buffer, at: number): Buffer {
  const copy = Buffer.from(line);
  copy[at] = copy[at]! ^ 0x04;
  return copy;
}

function withVersion(headerLine: Buffer, v: number): Buffer {
  const header = JSON.parse(headerLine.toString("utf8")) as Record<string, unknown>;
  delete header.crc;
  return Buffer.from(frameLine(JSON.stringify({ ...header, v }), 0).line);
}
