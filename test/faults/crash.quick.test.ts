/**
 * Fault class 1, crash: a supervisor SIGKILLs a long workflow at random moments (each step pauses a random time
 * between its side effect and its record) and restarts it until it is done. No step goes missing, effects repeat
 * only for kills that landed inside a step, a sink that dedups by idempotency key sees each step once, and the
 * result equals an uninterrupted run's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { countLines, readSink, waitForSinkLines } from "../helpers/sink.js";
import { journalFiles, onlyJournal, readRecords, stepStates } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";
import { recordFigure, runSeed, runSteps, scale, startSteps } from "./harness.js";
import { prng } from "../helpers/prng.js";

afterEach(removeTempDirs);

const VARIANTS = [
  { durability: "process", steps: scale(120, 1000), kills: scale(12, 100), maxGap: 8, pauseMs: 20 },
  { durability: "fsync", steps: scale(40, 200), kills: scale(4, 25), maxGap: 6, pauseMs: 20 },
] as const;

describe("crash: SIGKILL at random moments, restarted until done", () => {
  for (const v of VARIANTS) {
    it(`${v.steps} steps, ${v.kills} kills, durability ${v.durability}`, async () => {
      const seed = runSeed();
      const random = prng(seed);
      const root = tempDir("crash");
      const stateDir = path.join(root, "state");
      const sink = path.join(root, "sink");
      const dedup = path.join(root, "dedup");
      fs.mkdirSync(dedup);
      const env = { STEPS: String(v.steps), SINK: sink, DEDUP_DIR: dedup, DURABILITY: v.durability, PAUSE_MS: String(v.pauseMs) };
      const input = ["--input", JSON.stringify({ seed: seed % 997 })];
      // An explicit key: a start after the run completed prints the recorded result instead of starting anew.
      const key = ["--key", "crash"];

      let kills = 0;
      let killsInStep = 0;
      let finishedEarly = false;
      while (kills < v.kills) {
        const proc = startSteps(kills === 0 ? [...key, ...input] : key, { stateDir, env });
        const target = readSink(sink).length + 1 + Math.floor(random() * v.maxGap);
        if (await waitForSinkLines(proc, sink, target)) proc.child.kill("SIGKILL");
        const exit = await proc.exited;
        const journals = journalFiles(stateDir, "faults");
        expect(journals, `seed ${seed}: journals after kill ${kills}`).toHaveLength(1);
        if (exit.signal !== "SIGKILL" || readRecords(journals[0]!).records.some((r) => r.type === "end")) {
          finishedEarly = true;
          break;
        }
        kills++;
        if (stepStates(journals[0]!).inDoubt.size > 0) killsInStep++;
      }
      const last = await runSteps(key, { stateDir, env });
      const clean = await runSteps([...key, ...input], { stateDir: path.join(root, "clean"), env: { STEPS: String(v.steps), DURABILITY: "process" } });

      const runId = path.basename(onlyJournal(stateDir, "faults"), ".jsonl");
      const keys = readSink(sink).map((line) => line.split(" ")[0]!);
      const counts = countLines(keys);
      const expected = Array.from({ length: v.steps }, (_, i) => `${runId}:step-${i + 1}`);
      const missing = expected.filter((k) => !counts.has(k)).length;
      const duplicated = keys.length - counts.size;
      const applied = readSink(path.join(dedup, "applied.log"));
      const dedupDuplicates = applied.length - new Set(applied).size;
      const sameResult = last.code === 0 && last.stdout === clean.stdout;
      const pass = !finishedEarly && missing === 0 && duplicated <= killsInStep && dedupDuplicates === 0 && new Set(applied).size === v.steps && sameResult;
      recordFigure({
        fault: `1 crash (${v.durability}, ${v.steps} steps)`,
        figures: { kills, "kills inside a step": killsInStep, "missing steps": missing, "duplicated effects": duplicated, "duplicates at a dedup sink": dedupDuplicates, "result equals uninterrupted": sameResult ? "yes" : "no" },
        criterion: "missing 0, duplicated <= kills inside a step, dedup duplicates 0, same result",
        pass, seed,
      });
      expect(finishedEarly, `seed ${seed}: the run finished after ${kills} kills`).toBe(false);
      expect(last.code, last.stderr).toBe(0);
      expect(missing).toBe(0);
      expect(counts.size).toBe(v.steps);
      expect(duplicated).toBeLessThanOrEqual(killsInStep);
      expect(dedupDuplicates).toBe(0);
      expect(new Set(applied).size).toBe(v.steps);
      expect(last.stdout).toBe(clean.stdout);
    });
  }
});
