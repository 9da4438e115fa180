import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NonDeterminismError, workflow, type WorkflowContext } from "../../src/index.js";
import { runFixture } from "../helpers/fixture-process.js";
import { readSink } from "../helpers/sink.js";
import { onlyJournal, readRecords } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

describe("step keys and concurrent steps", () => {
  it("keys repeated names name, name#2, …, in call order, for Promise.all and loops, and replays them by key", async () => {
    const dir = path.join(tempDir("keys"), "state");
    const executed: string[] = [];
    let stop = true;
    const wf = workflow("fanout", async (ctx: WorkflowContext) => {
      const stored = await Promise.all([10, 20, 30].map((n) => ctx.step("store", async ({ idempotencyKey }) => {
        executed.push(idempotencyKey);
        await new Promise((resolve) => setImmediate(resolve));
        return n * 2;
      })));
      const polls: number[] = [];
      for (let i = 0; i < 3; i++) polls.push(await ctx.step("poll", ({ idempotencyKey }) => (executed.push(idempotencyKey), i)));
      if (stop) throw new Error("stop after the steps");
      return { stored, polls };
    }, { dir, retry: false });

    await expect(wf.run(undefined, { key: "k" })).rejects.toThrow("stop after the steps");
    const journal = onlyJournal(dir, "fanout");
    const runId = path.basename(journal, ".jsonl");
    const keys = ["store", "store#2", "store#3", "poll", "poll#2", "poll#3"];
    expect(executed).toEqual(keys.map((k) => `${runId}:${k}`));
    const steps = readRecords(journal).records.filter((r) => r.type === "step");
    expect(Object.fromEntries(steps.map((r) => [r.key, r.type === "step" ? r.out.json : undefined]))).toEqual({
      store: 20, "store#2": 40, "store#3": 60, poll: 0, "poll#2": 1, "poll#3": 2,
    });
    const started = readRecords(journal).records.filter((r) => r.type === "started");
    expect(started.map((r) => r.type === "started" && [r.key, r.seq])).toEqual(keys.map((k, i) => [k, i + 1]));

    stop = false;
    executed.length = 0;
    expect(await wf.run(undefined, { key: "k" })).toEqual({ stored: [20, 40, 60], polls: [0, 1, 2] });
    expect(executed).toEqual([]);
  });

  it("resolves a Promise.all of steps with every result already in the journal", async () => {
    const dir = path.join(tempDir("group"), "state");
    const wf = workflow("group", async (ctx: WorkflowContext) => {
      const journal = () => fs.readFileSync(onlyJournal(dir, "group"), "utf8");
      const values = await Promise.all(Array.from({ length: 20 }, (_, i) => ctx.step("item", () => i)));
      const text = journal();
      return values.map((v, i) => text.includes(`"key":"${i === 0 ? "item" : `item#${i + 1}`}","seq":${i + 1},"kind":"step","out":{"json":${v}}`));
    }, { dir });
    expect(await wf.run(undefined)).toEqual(Array.from({ length: 20 }, () => true));
  });
});

const article = (word: string) => `${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`;

describe("changed code under an unfinished run", () => {
  const original = "a,b,c,d";
  const changes = [
    { change: "renamed", names: "a,B,c,d", divergence: "journal has step 'b' at #2, code called step 'B'", executed: ["B"] },
    { change: "reordered", names: "a,c,b,d", divergence: "journal has step 'b' at #2, code called step 'c'", executed: [] },
    { change: "inserted", names: "a,x,b,c,d", divergence: "journal has step 'b' at #2, code called step 'x'", executed: ["x"] },
    { change: "removed", names: "a,b,d", divergence: "journal has step 'c' at #3, code called step 'd'", executed: [] },
    { change: "removed last", names: "a,b,c", divergence: "journal has step 'd' at #4, but the code returned without calling it", executed: [] },
  ];

  /** A state dir holding a failed (resumable) run of steps a, b, c, d. */
  async function unfinishedRun(strict: boolean) {
    const root = tempDir("strict");
    const stateDir = path.join(root, "state");
    const sink = path.join(root, "sink");
    const env = { SINK: sink, STRICT: strict ? "1" : "0" };
    const first = await runFixture("chain.mjs", [], { stateDir, env: { ...env, STEP_NAMES: original, THROW_AT_END: "1" } });
    expect(first.code, first.stderr).toBe(20);
    expect(readSink(sink)).toHaveLength(4);
    return { stateDir, sink, env, journal: onlyJournal(stateDir, "chain") };
  }

  for (const { change, names, divergence } of changes) {
    it(`strict mode: ${article(change)} step stops the resume with exit 80 naming the first divergence, appending nothing`, async () => {
      const { stateDir, sink, env, journal } = await unfinishedRun(true);
      const bytes = fs.readFileSync(journal);
      const resumed = await runFixture("chain.mjs", [], { stateDir, env: { ...env, STEP_NAMES: names } });
      expect(resumed.code).toBe(80);
      expect(resumed.stderr).toContain(divergence);
      expect(readSink(sink)).toHaveLength(4);
      expect(fs.readFileSync(journal).equals(bytes)).toBe(true);

      const fixed = await runFixture("chain.mjs", [], { stateDir, env: { ...env, STEP_NAMES: original } });
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(readSink(sink)).toHaveLength(4);
    });
  }

  it("strict mode throws NonDeterminismError from wf.run", async () => {
    const dir = path.join(tempDir("strict-run"), "state");
    let names = ["a", "b"];
    let stop = true;
    const wf = workflow("strict-run", async (ctx: WorkflowContext) => {
      for (const name of names) await ctx.step(name, () => name);
      if (stop) throw new Error("stop");
      return names;
    }, { dir, strict: true });
    await expect(wf.run(undefined, { key: "k" })).rejects.toThrow("stop");
    names = ["b", "a"];
    stop = false;
    const error = await wf.run(undefined, { key: "k" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect((error as Error).message).toContain("journal has step 'a' at #1, code called step 'b'");
  });

  for (const { change, names, executed } of changes) {
    it(`tolerant mode (default): ${article(change)} step replays the recorded steps by key and runs only new ones`, async () => {
      const { stateDir, sink, env, journal } = await unfinishedRun(false);
      const runId = path.basename(journal, ".jsonl");
      const resumed = await runFixture("chain.mjs", [], { stateDir, env: { ...env, STEP_NAMES: names } });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(readSink(sink).slice(4)).toEqual(executed.map((k) => `${runId}:${k}`));
      expect(JSON.parse(resumed.stdout)).toMatchObject({ steps: names.split(",").length });
    });
  }
});
