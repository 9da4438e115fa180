// Import cost: `import { workflow } from "steplog"` in a fresh process, against `node -e 0` (spawn to exit).
import { median, report, row, timeChild } from "./lib/harness.mjs";

const REPS = Number(process.env.BENCH_SPAWN_REPS ?? 15);

export async function run() {
  const ours = [];
  const bare = [];
  await timeChild(["--input-type=module", "-e", 'import { workflow } from "steplog";']); // warm the file cache
  for (let i = 0; i < REPS; i++) {
    ours.push((await timeChild(["--input-type=module", "-e", 'import { workflow } from "steplog";'])).ms);
    bare.push((await timeChild(["-e", "0"])).ms);
  }
  const value = median(ours);
  const baseline = median(bare);
  return [
    row({
      metric: 'import { workflow } from "steplog"', value, unit: "ms", baseline, baselineName: "node -e 0",
      target: "<= node -e 0 + 25 ms", pass: value <= baseline + 25, note: `+${(value - baseline).toFixed(1)} ms over node -e 0; median of ${REPS}, interleaved`,
    }),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) report(await run());
