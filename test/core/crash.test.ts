import { afterEach, describe, expect, it } from "vitest";
import * as path from "node:path";
import { runFixture, startFixture } from "../helpers/fixture-process.js";
import { countLines, readSink, waitForSinkLines } from "../helpers/sink.js";
import { onlyJournal, stepStates } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";
import { prng } from "../helpers/prng.js";

afterEach(removeTempDirs);

/** The result of an uninterrupted run of the chain fixture. */
async function uninterrupted(steps: number, seed: number): Promise<unknown> {
  const root = tempDir("clean");
  const done = await runFixture("chain.mjs", ["--input", JSON.stringify({ seed })], {
    stateDir: path.join(root, "state"), env: { STEPS: String(steps), DURABILITY: "process" },
  });
  expect(done.code).toBe(0);
  return JSON.parse(done.stdout);
}

describe("crash and resume (child processes)", () => {
  it("a run killed after k steps resumes without re-executing steps 1..k and ends with the uninterrupted result", async () => {
    const root = tempDir("replay");
    const stateDir = path.join(root, "state");
    const sink = path.join(root, "sink");
    const env = { STEPS: "8", SINK: sink };

    const crashed = await runFixture("chain.mjs", ["--input", '{"seed":3}'], { stateDir, env: { ...env, CRASH_AT: "6" } });
    expect(crashed.signal).toBe("SIGKILL");
    const before = readSink(sink);
    expect(before).toHaveLength(5);
    const journal = onlyJournal(stateDir, "chain");
    expect([...stepStates(journal).recorded]).toEqual(["step-1", "step-2", "step-3", "step-4", "step-5"]);

    const resumed = await runFixture("chain.mjs", [], { stateDir, env });
    expect(resumed.code).toBe(0);
    const after = readSink(sink);
    expect(after.slice(0, 5)).toEqual(before);
    const runId = path.basename(journal, ".jsonl");
    expect(after.slice(5)).toEqual([6, 7, 8].map((i) => `${runId}:step-${i}`));
    expect(resumed.stderr).toContain("resumed (5 recorded steps)");
    expect(JSON.parse(resumed.stdout)).toEqual(await uninterrupted(8, 3));
  });

  for (const variant of [
    { durability: "process", steps: 200, kills: 20, maxGap: 9 },
    { durability: "fsync", steps: 60, kills: 8, maxGap: 6 },
  ] as const) {
    it(`SIGKILL at ${variant.kills} random moments of a ${variant.steps}-step run (durability ${variant.durability}): no recorded step runs twice`, async () => {
      const seed = Date.now() % 1_000_000;
      const random = prng(seed);
      const root = tempDir("kill");
      const stateDir = path.join(root, "state");
      const sink = path.join(root, "sink");
      const env = { STEPS: String(variant.steps), SINK: sink, DURABILITY: variant.durability, STEP_DELAY_MS: "8" };
      const kills: Array<{ sinkLines: number; recorded: Set<string>; inDoubt: Set<string> }> = [];

      for (let i = 0; i < variant.kills; i++) {
        const proc = startFixture("chain.mjs", i === 0 ? ["--input", '{"seed":11}'] : [], { stateDir, env });
        const target = readSink(sink).length + 1 + Math.floor(random() * variant.maxGap);
        const reached = await waitForSinkLines(proc, sink, target);
        if (reached) proc.child.kill("SIGKILL");
        const exit = await proc.exited;
        expect(exit.signal, `seed ${seed}, kill ${i}: the run ended before the kill (exit ${exit.code}): ${exit.stderr}`).toBe("SIGKILL");
        kills.push({ sinkLines: readSink(sink).length, ...stepStates(onlyJournal(stateDir, "chain")) });
      }
      const last = await runFixture("chain.mjs", [], { stateDir, env });
      expect(last.code, last.stderr).toBe(0);

      const lines = readSink(sink);
      const runId = path.basename(onlyJournal(stateDir, "chain"), ".jsonl");
      const keyOf = (line: string) => line.slice(runId.length + 1);
      let inDoubtReruns = 0;
      kills.forEach((kill, i) => {
        const later = lines.slice(kill.sinkLines).map(keyOf);
        expect(later.filter((key) => kill.recorded.has(key)), `seed ${seed}: recorded steps re-executed after kill ${i}`).toEqual([]);
        const next = i + 1 < kills.length ? kills[i + 1]!.sinkLines : lines.length;
        const earlier = new Set(lines.slice(0, kill.sinkLines).map(keyOf));
        const repeated = lines.slice(kill.sinkLines, next).map(keyOf).filter((key) => earlier.has(key));
        expect(repeated.length, `seed ${seed}: steps repeated after kill ${i}`).toBeLessThanOrEqual(1);
        for (const key of repeated) expect(kill.inDoubt.has(key), `seed ${seed}: ${key} repeated but was not in doubt`).toBe(true);
        inDoubtReruns += repeated.length;
      });
      const counts = countLines(lines);
      expect(counts.size).toBe(variant.steps);
      for (let s = 1; s <= variant.steps; s++) expect(counts.has(`${runId}:step-${s}`)).toBe(true);
      expect(lines.length).toBe(variant.steps + inDoubtReruns);
      expect(JSON.parse(last.stdout)).toEqual(await uninterrupted(variant.steps, 11));
    });
  }
});
