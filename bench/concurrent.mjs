// 200 runs x 10 steps, all started at once in one process, default durability "fsync": group commit lets the
// runs share fdatasyncs. Baseline: the same bytes written to 200 files in 10 waves, each wave one write per
// file and the 200 fdatasyncs issued together on the thread pool (what any per-run file design must wait for).
import { workflow } from "steplog";
import * as fs from "node:fs";
import * as path from "node:path";
import { stepChunks } from "./lib/baselines.mjs";
import { median, removeDir, report, row, settle, workDir } from "./lib/harness.mjs";

const RUNS = 200;
const STEPS = 10;
const REPS = Number(process.env.BENCH_REPS ?? 5);

function fdatasync(fd) {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

async function rawWaves(chunksPerRun, dir) {
  const files = chunksPerRun.map((_, i) => path.join(dir, `raw-${process.hrtime.bigint()}-${i}.jsonl`));
  const t0 = performance.now();
  const fds = files.map((f) => fs.openSync(f, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600));
  for (let step = 0; step < STEPS; step++) {
    for (let i = 0; i < fds.length; i++) fs.writeSync(fds[i], chunksPerRun[i][step]);
    await Promise.all(fds.map(fdatasync));
  }
  const ms = performance.now() - t0;
  for (const fd of fds) fs.closeSync(fd);
  for (const f of files) fs.rmSync(f);
  return ms;
}

export async function run() {
  const dir = workDir("concurrent");
  try {
    const wf = workflow("concurrent", async (ctx, input) => {
      for (let i = 0; i < STEPS; i++) await ctx.step(`step-${i}`, () => ({ run: input.run, step: i, ok: true }));
      return input.run;
    }, { dir });
    const batch = () => Promise.all(Array.from({ length: RUNS }, (_, run) => wf.run({ run })));
    await batch(); // warm-up
    const runsDir = path.join(dir, "runs", "concurrent");
    const journals = fs.readdirSync(runsDir).filter((f) => /^[0-9A-Z]{26}\.jsonl$/.test(f)).slice(0, RUNS);
    const chunksPerRun = journals.map((f) => stepChunks(path.join(runsDir, f)));
    const ours = [];
    const raw = [];
    for (let i = 0; i < REPS; i++) {
      await settle();
      const t0 = performance.now();
      await batch();
      ours.push(performance.now() - t0);
      await settle();
      raw.push(await rawWaves(chunksPerRun, dir));
    }
    const value = median(ours);
    const baseline = median(raw);
    return [
      row({
        metric: "200 runs x 10 steps, one process, fsync", value, unit: "ms", baseline, baselineName: "200 files x 10 waves of write + parallel fdatasync",
        target: "<= 100 ms", pass: value <= 100, note: `${RUNS * STEPS} steps; each run also creates its journal, index lines and lock; wall time, median of ${REPS}`,
      }),
    ];
  } finally {
    removeDir(dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await run());
