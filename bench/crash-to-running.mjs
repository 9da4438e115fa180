// Crash to running again, for a whole process: a script (wf.main()) whose run was killed after 1,000 completed
// steps is started again; the time from spawn until its first new step runs, against `node -e 0` (spawn to exit).
import * as fs from "node:fs";
import { crashedRun, JOURNAL_WORKFLOW } from "./lib/crashed-run.mjs";
import { median, removeDir, report, row, timeChild } from "./lib/harness.mjs";

const STEPS = 1000;
const REPS = Number(process.env.BENCH_SPAWN_REPS ?? 9);

export async function run() {
  const { dir } = crashedRun(STEPS, { entry: "main", name: "crash" });
  try {
    const ours = [];
    const bare = [];
    for (let i = 0; i < REPS; i++) {
      // Each repetition resumes a fresh copy of the crashed state.
      const copy = `${dir}-rep${i}`;
      fs.cpSync(dir, copy, { recursive: true });
      const env = { ...process.env, STEPLOG_DIR: copy, BENCH_STEPS: String(STEPS + 1), BENCH_MARK_AT: String(STEPS), BENCH_ENTRY: "main" };
      ours.push((await timeChild([JOURNAL_WORKFLOW], { env, marker: "NEW_STEP" })).ms);
      bare.push((await timeChild(["-e", "0"])).ms);
      removeDir(copy);
    }
    const value = median(ours);
    const baseline = median(bare);
    return [
      row({
        metric: "crash to running, 1,000 completed steps, whole process", value, unit: "ms", baseline, baselineName: "node -e 0",
        target: "<= node -e 0 + 50 ms", pass: value <= baseline + 50, note: `+${(value - baseline).toFixed(1)} ms over node -e 0; wf.main() with default options (fsync, lock, stderr reporter); median of ${REPS}`,
      }),
    ];
  } finally {
    removeDir(dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await run());
