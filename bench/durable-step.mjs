// A durable step (default durability "fsync"): one ctx.step in sequence, against a raw write + fdatasync of
// the same bytes (the step's started + step lines, one write and one fdatasync per step). Wall time.
import { workflow } from "steplog";
import * as fs from "node:fs";
import * as path from "node:path";
import { rawWriteFdatasync, stepChunks } from "./lib/baselines.mjs";
import { median, removeDir, report, row, settle, workDir } from "./lib/harness.mjs";

const STEPS = Number(process.env.BENCH_DURABLE_STEPS ?? 1000);
const REPS = Number(process.env.BENCH_REPS ?? 5);

export async function run() {
  const dir = workDir("durable");
  try {
    const wf = workflow("durable", async (ctx) => {
      for (let i = 0; i < STEPS; i++) await ctx.step("s", () => ({ id: i, name: `item-${i}`, ok: true, tags: ["alpha", "beta"], score: i / 4 }));
    }, { dir });
    await wf.run({});
    const runsDir = path.join(dir, "runs", "durable");
    const journal = path.join(runsDir, fs.readdirSync(runsDir).filter((f) => /^[0-9A-Z]{26}\.jsonl$/.test(f)).sort().at(-1));
    const chunks = stepChunks(journal);
    const ours = [];
    const raw = [];
    // Interleaved, so that both see the same disk and the same neighbours.
    for (let i = 0; i < REPS; i++) {
      await settle();
      const t0 = performance.now();
      await wf.run({});
      ours.push(((performance.now() - t0) * 1000) / STEPS);
      await settle();
      raw.push(rawWriteFdatasync(chunks, dir));
    }
    const value = median(ours);
    const baseline = median(raw);
    return [
      row({
        metric: "durable step (fsync), sequential", value, unit: "µs/step", baseline, baselineName: "write + fdatasync, same bytes",
        target: "<= 1.2x", pass: value / baseline <= 1.2, note: `${STEPS} sequential steps x ${REPS} runs, wall time, interleaved with the baseline`,
      }),
    ];
  } finally {
    removeDir(dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await run());
