// Resuming a crashed run of 1k / 10k / 100k / 1M completed steps: the time from wf.run() until the next new
// step starts (open, verify and index the journal, take the lock), and the process's peak RSS. Each size runs in
// its own child process. Baseline: a child that reads the same file and JSON.parses it line by line.
import { crashedRun, JOURNAL_WORKFLOW } from "./lib/crashed-run.mjs";
import { lastJsonLine, median, removeDir, report, row, runNode } from "./lib/harness.mjs";
import * as path from "node:path";
import { BENCH } from "./lib/harness.mjs";

const SIZES = (process.env.BENCH_RESUME_SIZES ?? "1000,10000,100000,1000000").split(",").map(Number);
const repsFor = (steps) => (steps >= 1_000_000 ? 1 : steps >= 100_000 ? 3 : 5);

function resumeOnce(dir, steps) {
  const env = { ...process.env, STEPLOG_DIR: dir, BENCH_STEPS: String(steps + 1), BENCH_MARK_AT: String(steps), BENCH_DURABILITY: "process" };
  return lastJsonLine(runNode(["--max-old-space-size=8192", JOURNAL_WORKFLOW], { env }), "NEW_STEP ");
}

function parseOnce(journal) {
  return lastJsonLine(runNode(["--max-old-space-size=8192", path.join(BENCH, "lib", "parse-child.mjs"), journal]), "PARSED ");
}

export async function run() {
  const rows = [];
  const measured = new Map();
  for (const steps of SIZES) {
    const { dir, journal, bytes } = crashedRun(steps);
    try {
      const ours = [];
      const parsed = [];
      for (let i = 0; i < repsFor(steps); i++) {
        ours.push(resumeOnce(dir, steps));
        parsed.push(parseOnce(journal));
      }
      const ms = median(ours.map((o) => o.ms));
      const rssMb = Math.max(...ours.map((o) => o.maxRssKb)) / 1024;
      const baseMs = median(parsed.map((p) => p.ms));
      const baseRssMb = Math.max(...parsed.map((p) => p.maxRssKb)) / 1024;
      const mb = bytes / 1024 / 1024;
      measured.set(steps, { ms, rssMb, mb });
      const label = steps >= 1_000_000 ? `${steps / 1_000_000}M` : `${steps / 1000}k`;
      rows.push(row({
        metric: `resume ${label}-step run to its next step`, value: ms, unit: "ms", baseline: baseMs, baselineName: "JSON.parse line by line",
        target: steps === 100_000 ? "<= 1.5x" : "", pass: steps === 100_000 ? ms / baseMs <= 1.5 : null,
        note: `journal ${mb.toFixed(1)} MB; peak RSS ${rssMb.toFixed(0)} MB (JSON.parse child: ${baseRssMb.toFixed(0)} MB); median of ${ours.length}`,
      }));
    } finally {
      removeDir(dir);
    }
  }
  const small = measured.get(1000);
  const mid = measured.get(100_000);
  const big = measured.get(1_000_000);
  if (small && mid && big) {
    const early = (mid.ms - small.ms) / (100_000 - 1000);
    const late = (big.ms - mid.ms) / (1_000_000 - 100_000);
    rows.push(row({
      metric: "resume: cost per step 100k->1M vs 1k->100k", value: late * 1000, unit: "µs/step", baseline: early * 1000, baselineName: "1k->100k",
      target: "linear (<= 1.5x)", pass: late / early <= 1.5,
    }));
  }
  if (big) {
    rows.push(row({
      metric: "resume 1M steps: peak RSS", value: big.rssMb, unit: "MB", baseline: big.mb, baselineName: "journal size",
      target: "<= 3x", pass: big.rssMb / big.mb <= 3,
    }));
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) report(await run());
