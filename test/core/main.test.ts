import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runFixture, type FixtureExit } from "../helpers/fixture-process.js";
import { readSink } from "../helpers/sink.js";
import { journalFiles, onlyJournal, snapshotTree } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

function setup(steps = 4) {
  const root = tempDir("main");
  const stateDir = path.join(root, "state");
  const sink = path.join(root, "sink");
  const env = { STEPS: String(steps), SINK: sink };
  const run = (args: string[], extra: Record<string, string> = {}) => runFixture("chain.mjs", args, { stateDir, env: { ...env, ...extra } });
  return { root, stateDir, sink, run };
}

function envelope(exit: FixtureExit): Record<string, unknown> {
  const lines = exit.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

const runIdOf = (line: string) => line.slice(0, 26);

describe("main(): bad input", () => {
  const cases = [
    { what: "malformed --input JSON", args: ["--input", "{bad"], says: "--input is not valid JSON" },
    { what: "an unknown --run-id", args: ["--run-id", "01JD3Q8Z9X4M2N7P5R6S8T0V1W"], says: "unknown run id 01JD3Q8Z9X4M2N7P5R6S8T0V1W" },
    { what: "a run id that is a path", args: ["--run-id", "../../etc"], says: 'invalid run id "../../etc"' },
    { what: "an unknown flag", args: ["--bogus"], says: "--bogus" },
    { what: "--fresh with --run-id", args: ["--fresh", "--run-id", "01JD3Q8Z9X4M2N7P5R6S8T0V1W"], says: "give only one of them" },
  ];
  for (const { what, args, says } of cases) {
    it(`${what}: exit 10 naming the problem, state directory not created`, async () => {
      const { stateDir, sink, run } = setup();
      const exit = await run(args);
      expect(exit.code).toBe(10);
      expect(exit.stderr).toContain(says);
      expect(exit.stdout).toBe("");
      expect(fs.existsSync(stateDir)).toBe(false);
      expect(readSink(sink)).toEqual([]);
    });
  }

  it("leaves an existing state directory byte-for-byte unchanged", async () => {
    const { stateDir, run } = setup();
    expect((await run(["--input", '{"seed":2}'])).code).toBe(0);
    const before = snapshotTree(stateDir);
    for (const { args } of cases) expect((await run(args)).code).toBe(10);
    expect(snapshotTree(stateDir)).toEqual(before);
  });
});

describe("main(): --json envelope", () => {
  it("for a completed run", async () => {
    const { stateDir, run } = setup(3);
    const exit = await run(["--json", "--input", '{"seed":4}']);
    expect(exit.code).toBe(0);
    const runId = path.basename(onlyJournal(stateDir, "chain"), ".jsonl");
    expect(envelope(exit)).toEqual({ schemaVersion: 1, ok: true, status: "completed", exitCode: 0, runId, workflow: "chain", result: { steps: 3, acc: expect.any(Number) } });
  });

  it("for a run whose step failed for good (exit 30)", async () => {
    const { stateDir, run } = setup(3);
    const exit = await run(["--json"], { FAIL_AT: "2" });
    expect(exit.code).toBe(30);
    const runId = path.basename(onlyJournal(stateDir, "chain"), ".jsonl");
    expect(envelope(exit)).toEqual({
      schemaVersion: 1, ok: false, status: "failed", exitCode: 30, runId, workflow: "chain",
      error: { name: "StepFailedError", code: "STEP_FAILED", message: expect.stringContaining("step 2 refuses") },
    });
  });

  it("for bad usage (exit 10)", async () => {
    const { run } = setup();
    const exit = await run(["--json", "--input", "nope"]);
    expect(exit.code).toBe(10);
    expect(envelope(exit)).toEqual({
      schemaVersion: 1, ok: false, status: "failed", exitCode: 10, runId: null, workflow: "chain",
      error: { name: "UsageError", code: "USAGE", message: expect.stringContaining("--input is not valid JSON") },
    });
  });
});

describe("main(): which run a rerun picks", () => {
  it("resumes the latest unfinished run with its recorded input; a completed run makes the next start a new run", async () => {
    const { stateDir, sink, run } = setup(5);
    expect((await run(["--input", '{"seed":5}'], { CRASH_AT: "3" })).signal).toBe("SIGKILL");
    const resumed = await run([]);
    expect(resumed.code).toBe(0);
    const firstRun = readSink(sink);
    expect(new Set(firstRun.map(runIdOf)).size).toBe(1);
    expect(firstRun).toHaveLength(5);
    const clean = await runFixture("chain.mjs", ["--input", '{"seed":5}'], { stateDir: path.join(tempDir("clean"), "state"), env: { STEPS: "5" } });
    expect(resumed.stdout).toBe(clean.stdout);

    const next = await run([]);
    expect(next.code).toBe(0);
    const second = readSink(sink).slice(5);
    expect(second).toHaveLength(5);
    expect(new Set(second.map(runIdOf))).toEqual(new Set([path.basename(journalFiles(stateDir, "chain")[1]!, ".jsonl")]));
    expect(runIdOf(second[0]!)).not.toBe(runIdOf(firstRun[0]!));
  });

  it("with --key K and a completed run for K, prints the recorded result and executes nothing", async () => {
    const { stateDir, sink, run } = setup(3);
    const first = await run(["--key", "2026-11-22", "--input", '{"seed":9}']);
    expect(first.code).toBe(0);
    const journal = onlyJournal(stateDir, "chain");
    const bytes = fs.readFileSync(journal);
    for (const args of [["--key", "2026-11-22"], ["--key", "2026-11-22", "--input", '{"seed":9}']]) {
      const again = await run(args);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(first.stdout);
      expect(again.stderr).toContain("already completed");
      expect(readSink(sink)).toHaveLength(3);
    }
    expect(journalFiles(stateDir, "chain")).toEqual([journal]);
    expect(fs.readFileSync(journal).equals(bytes)).toBe(true);
    expect((await run(["--key", "2026-11-23"])).code).toBe(0);
    expect(readSink(sink)).toHaveLength(6);
  });

  it("with --fresh starts a new run even when an unfinished one exists, which a later rerun still resumes", async () => {
    const { stateDir, sink, run } = setup(4);
    expect((await run([], { CRASH_AT: "2" })).signal).toBe("SIGKILL");
    const crashedRun = runIdOf(readSink(sink)[0]!);
    expect((await run(["--fresh"])).code).toBe(0);
    const freshLines = readSink(sink).slice(1);
    expect(freshLines).toHaveLength(4);
    expect(new Set(freshLines.map(runIdOf)).has(crashedRun)).toBe(false);
    expect(journalFiles(stateDir, "chain")).toHaveLength(2);

    expect((await run([])).code).toBe(0);
    expect(readSink(sink).slice(5)).toEqual([2, 3, 4].map((i) => `${crashedRun}:step-${i}`));
  });

  it("refuses a different --input while an unfinished run exists (exit 10), naming --fresh and dropping --input", async () => {
    const { stateDir, sink, run } = setup(4);
    expect((await run(["--input", '{"seed":1}'], { CRASH_AT: "3" })).signal).toBe("SIGKILL");
    const journal = onlyJournal(stateDir, "chain");
    const bytes = fs.readFileSync(journal);
    const refused = await run(["--input", '{"seed":2}']);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toContain("--fresh");
    expect(refused.stderr).toContain("drop --input");
    expect(fs.readFileSync(journal).equals(bytes)).toBe(true);
    expect(readSink(sink)).toHaveLength(2);

    const same = await run(["--input", '{ "seed": 1 }']);
    expect(same.code).toBe(0);
    expect(readSink(sink)).toHaveLength(4);
  });
});
