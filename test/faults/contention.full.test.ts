/**
 * Fault class 3, contention: 50 simultaneous starts of one (workflow, key) (a) on a free lock, (b) against the
 * lock of a SIGKILLed holder, (c) against a holder stalled past the lock's stale time (SIGSTOPped, or blocked in
 * a busy loop) that wakes up after another process took the run over. Exactly one start runs the body, and the
 * stalled holder adds nothing that a later reader of the journal sees.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FixtureProcess } from "../helpers/fixture-process.js";
import { readSink, waitForSinkLines } from "../helpers/sink.js";
import { onlyJournal, readRecords } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";
import { recordFigure, runSteps, startSteps, waitUntil } from "./harness.js";

afterEach(removeTempDirs);

const CONTENDERS = 50;
const STALE_MS = 2_000;
const KEY = "slot-1";

interface Setup {
  stateDir: string;
  sink: string;
  bodyLog: string;
  env: Record<string, string>;
}

function setup(name: string, env: Record<string, string> = {}): Setup {
  const root = tempDir(`contention-${name}`);
  const sink = path.join(root, "sink");
  const bodyLog = path.join(root, "bodies");
  return { stateDir: path.join(root, "state"), sink, bodyLog, env: { STEPS: "6", SINK: sink, BODY_LOG: bodyLog, DURABILITY: "process", LOCK_STALE_MS: String(STALE_MS), ...env } };
}

/** Starts `CONTENDERS` processes at once and waits for all of them; returns their exit codes. */
async function contend(s: Setup, env: Record<string, string>): Promise<number[]> {
  const procs: FixtureProcess[] = [];
  for (let i = 0; i < CONTENDERS; i++) procs.push(startSteps(["--key", KEY], { stateDir: s.stateDir, env: { ...s.env, ...env } }));
  const exits = await Promise.all(procs.map((p) => p.exited));
  return exits.map((e) => e.code ?? -1);
}

const lines = (file: string) => readSink(file);
const pidsOf = (file: string) => new Set(lines(file).map((l) => l.split(" ").at(-1)));

/** The lock directory's age: proper-lockfile refreshes its mtime while the holder's event loop runs. */
function lockAgeMs(stateDir: string): number {
  const lock = path.join(stateDir, "locks", `faults@${KEY}.lock`);
  return Date.now() - fs.statSync(lock).mtimeMs;
}

describe(`contention: ${CONTENDERS} simultaneous starts`, () => {
  it("(a) on a free lock: one body runs, the others skip", async () => {
    const s = setup("free", { PAUSE_MS: "200" });
    const codes = await contend(s, {});
    const bodies = lines(s.bodyLog).length;
    const steps = lines(s.sink).length;
    recordFigure({ fault: "3a contention, free lock", figures: { starts: CONTENDERS, "bodies executed": bodies, "step effects": steps, "non-zero exits": codes.filter((c) => c !== 0).length }, criterion: "bodies 1", pass: bodies === 1 && steps === 6 });
    expect(codes.every((c) => c === 0)).toBe(true);
    expect(bodies).toBe(1);
    expect(steps).toBe(6);
  });

  it("(b) against the lock of a SIGKILLed holder: one body resumes the run, the others skip", async () => {
    const s = setup("killed", { PAUSE_MS: "200" });
    const holder = startSteps(["--key", KEY], { stateDir: s.stateDir, env: s.env });
    expect(await waitForSinkLines(holder, s.sink, 2)).toBe(true);
    holder.child.kill("SIGKILL");
    expect((await holder.exited).signal).toBe("SIGKILL");
    const before = lines(s.sink).length;
    const codes = await contend(s, {});
    const bodies = lines(s.bodyLog).length - 1;
    const recorded = readRecords(onlyJournal(s.stateDir, "faults")).records.filter((r) => r.type === "step").length;
    recordFigure({ fault: "3b contention, SIGKILLed holder", figures: { starts: CONTENDERS, "bodies executed": bodies, "recorded steps": recorded, "effects before kill": before }, criterion: "bodies 1", pass: bodies === 1 && recorded === 6 });
    expect(codes.every((c) => c === 0)).toBe(true);
    expect(bodies).toBe(1);
    expect(recorded).toBe(6);
  });

  for (const stall of ["SIGSTOP", "busy loop"] as const) {
    it(`(c) against a holder stalled past the stale time (${stall}): one body takes over; the woken holder appends nothing the journal keeps`, async () => {
      const s = setup(stall === "SIGSTOP" ? "stopped" : "busy");
      const holder = startSteps(["--key", KEY], {
        stateDir: s.stateDir,
        env: { ...s.env, ...(stall === "SIGSTOP" ? { PAUSE_MS: "400" } : { BUSY_AT: "2", BUSY_MS: String(6 * STALE_MS) }) },
      });
      const holderPid = String(holder.child.pid);
      expect(await waitForSinkLines(holder, s.sink, 2)).toBe(true);
      if (stall === "SIGSTOP") holder.child.kill("SIGSTOP");
      const journal = onlyJournal(s.stateDir, "faults");
      const holderEpoch = Math.max(...readRecords(journal).records.map((r) => r.epoch));
      await waitUntil(() => lockAgeMs(s.stateDir) > STALE_MS + 200, "the stalled holder's lock to go stale", 4 * STALE_MS);
      const recordedAtStall = readRecords(journal).records.length;

      const contenders = contend(s, { PAUSE_MS: "300" });
      // Wake the stalled holder while the new holder is in the middle of the run.
      await waitUntil(() => [...pidsOf(s.sink)].some((pid) => pid !== holderPid), "a contender to run a step", 60_000);
      if (stall === "SIGSTOP") holder.child.kill("SIGCONT");
      const holderExit = await holder.exited;
      const codes = await contenders;

      const bodies = lines(s.bodyLog).length - 1;
      let readable = true;
      let fencedRecords = 0;
      let status = "none";
      try {
        const { records } = readRecords(onlyJournal(s.stateDir, "faults"));
        fencedRecords = records.slice(recordedAtStall).filter((r) => r.epoch <= holderEpoch).length;
        const end = records.at(-1);
        status = end?.type === "end" ? end.status : "unfinished";
      } catch (error) {
        readable = false;
        console.log(`[faults] journal after the takeover: ${(error as Error).message}`);
      }
      const effectsAfterWake = lines(s.sink).filter((l) => l.endsWith(` ${holderPid}`)).length - 2;
      const rerun = await runSteps(["--key", KEY], { stateDir: s.stateDir, env: s.env });
      recordFigure({
        fault: `3c contention, holder stalled (${stall})`,
        figures: {
          starts: CONTENDERS, "bodies executed": bodies, "records appended by the fenced-out holder": fencedRecords,
          "journal readable": readable ? "yes" : "no", "woken holder exit": holderExit.code ?? String(holderExit.signal),
          "effects of the woken holder": effectsAfterWake,
        },
        criterion: "bodies 1, fenced records 0",
        pass: bodies === 1 && fencedRecords === 0 && readable && rerun.code === 0,
      });
      expect(readable).toBe(true);
      expect(fencedRecords).toBe(0);
      expect(bodies).toBe(1);
      expect(status).toBe("completed");
      expect(codes.every((c) => c === 0)).toBe(true);
      expect(holderExit.code).not.toBe(0);
      expect(effectsAfterWake).toBeLessThanOrEqual(0);
      expect(rerun.code, rerun.stderr).toBe(0);
    });
  }
});
