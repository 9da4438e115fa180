// The common hand-written pattern: keep the whole state in one JSON file and rewrite it after each step (write a
// temp file, rename it over the old one), against steplog at the same step counts, at matched durability:
//   - with an fsync of the temp file before the rename (survives a power loss), against steplog's default
//     durability "fsync";
//   - without the fsync (what careful scripts do: a crash of the process never leaves a half-written file),
//     against steplog's durability "process".
// 1k steps are measured in full; 10k steps of the pattern are extrapolated from timed rewrites at 0 / 2.5k / 5k /
// 7.5k / 10k entries (the cost of one rewrite grows linearly with the state; a full run would take minutes).
import { workflow } from "steplog";
import * as fs from "node:fs";
import * as path from "node:path";
import { median, removeDir, report, row, workDir } from "./lib/harness.mjs";

const result = (i) => ({ id: i, name: `item-${i}`, ok: true, tags: ["alpha", "beta"], score: i / 4 });

/** One step of the pattern: record the result, rewrite the file (temp file, fsync if `sync`, rename). */
function rewrite(file, state, sync) {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  fs.writeSync(fd, JSON.stringify(state));
  if (sync) fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

function patternFull(dir, steps, sync) {
  const file = path.join(dir, "state.json");
  const state = { steps: {} };
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    state.steps[i === 0 ? "s" : `s#${i + 1}`] = result(i);
    rewrite(file, state, sync);
  }
  return performance.now() - t0;
}

function patternExtrapolated(dir, steps, sync, samples = 20) {
  const file = path.join(dir, "state.json");
  const points = [];
  for (const size of [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * (steps - samples)))) {
    const state = { steps: {} };
    for (let i = 0; i < size; i++) state.steps[i === 0 ? "s" : `s#${i + 1}`] = result(i);
    const t0 = performance.now();
    for (let i = size; i < size + samples; i++) {
      state.steps[`s#${i + 1}`] = result(i);
      rewrite(file, state, sync);
    }
    points.push([size + samples / 2, (performance.now() - t0) / samples]);
  }
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const b = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const a = my - b * mx;
  return steps * a + (b * (steps - 1) * steps) / 2;
}

async function steplogRun(dir, steps, durability) {
  const wf = workflow(`rewrite-${durability}-${steps}`, async (ctx) => {
    for (let i = 0; i < steps; i++) await ctx.step("s", () => result(i));
  }, { dir, durability });
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await wf.run({});
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** The pairs: steplog's durability and the pattern's variant with the same guarantee. */
const PAIRS = [
  { durability: "fsync", sync: true, pattern: "rewrite-state pattern with fsync", pairing: "matched durability: an fsync per step on both sides (steplog fsync vs temp file + fsync + rename)" },
  { durability: "process", sync: false, pattern: "rewrite-state pattern without fsync", pairing: "matched durability: no fsync on either side (steplog process vs temp file + rename), both survive a crash of the process, not a power loss" },
];

export async function run() {
  const dir = workDir("rewrite");
  try {
    const rows = [];
    for (const steps of [1000, 10_000]) {
      const extrapolated = steps > 1000;
      const label = `${steps / 1000}k`;
      for (const pair of PAIRS) {
        const pattern = extrapolated ? patternExtrapolated(dir, steps, pair.sync) : patternFull(dir, steps, pair.sync);
        const steplog = await steplogRun(dir, steps, pair.durability);
        rows.push(row({
          metric: `${label} steps, steplog ${pair.durability} vs rewrite-whole-state ${pair.sync ? "with" : "without"} fsync`, value: steplog, unit: "ms",
          baseline: pattern, baselineName: extrapolated ? `${pair.pattern}, extrapolated` : pair.pattern, speedup: true,
          target: extrapolated ? ">= 1000x faster" : "", pass: extrapolated ? pattern / steplog >= 1000 : null,
          note: `${pair.pairing}${extrapolated ? "; the pattern's 10k figure is extrapolated from timed rewrites at 5 state sizes" : "; both measured in full"}`,
        }));
      }
    }
    return rows;
  } finally {
    removeDir(dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await run());
