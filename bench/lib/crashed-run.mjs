// Builds a state directory holding one crashed run of bench-resume with `steps` completed steps (the next step
// was started, then the process was killed).
import * as fs from "node:fs";
import * as path from "node:path";
import { BENCH, runNode, workDir } from "./harness.mjs";

export const JOURNAL_WORKFLOW = path.join(BENCH, "lib", "journal-workflow.mjs");

export function crashedRun(steps, { entry = "run", name = "resume" } = {}) {
  const dir = workDir(name);
  const env = {
    ...process.env, STEPLOG_DIR: dir, BENCH_STEPS: String(steps + 1), BENCH_CRASH_AT: String(steps),
    BENCH_ENTRY: entry, BENCH_DURABILITY: "process",
  };
  runNode(["--max-old-space-size=8192", JOURNAL_WORKFLOW], { env, allowCodes: [null, 137] });
  const runsDir = path.join(dir, "runs", "bench-resume");
  const journal = path.join(runsDir, fs.readdirSync(runsDir).find((f) => /^[0-9A-Z]{26}\.jsonl$/.test(f)));
  return { dir, journal, bytes: fs.statSync(journal).size };
}
