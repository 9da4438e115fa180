// Step overhead with durability "process": the cost of one ctx.step around a function that returns at once,
// against a raw writeSync of the same bytes (the step's started + step lines, one call per step). Both are
// measured as CPU time of this process (user + system), which a shared, loaded machine disturbs far less than
// wall time; with nothing to wait for (no fsync) the two are the same on an idle machine.
import { workflow } from "steplog";
import { rawWriteSync, stepChunks } from "./lib/baselines.mjs";
import { medianOf, removeDir, report, row, settle, workDir } from "./lib/harness.mjs";
import * as fs from "node:fs";
import * as path from "node:path";

const STEPS = Number(process.env.BENCH_STEPS ?? 20_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);

const plain = (i) => ({ id: i, name: `item-${i}`, ok: true, tags: ["alpha", "beta"], score: i / 4 });
const rich = (i) => ({ at: new Date(1_700_000_000_000 + i), seen: new Map([["a", i], ["b", i + 1]]) });

const variants = {
  plain: async (ctx) => {
    for (let i = 0; i < STEPS; i++) await ctx.step("s", () => plain(i));
  },
  superjson: async (ctx) => {
    for (let i = 0; i < STEPS; i++) await ctx.step("s", () => rich(i));
  },
  breaker: async (ctx) => {
    for (let i = 0; i < STEPS; i++) await ctx.step("s", () => plain(i), { breaker: "bench-api" });
  },
};

/** Median µs per step of `variant`, and the journal of its last run. */
async function measure(name, dir) {
  const wf = workflow(`overhead-${name}`, variants[name], { durability: "process", dir });
  await wf.run({}); // warm-up: JIT, lazily loaded modules, the lock directory
  const us = await medianOf(REPS, async () => {
    await settle();
    const t0 = process.cpuUsage();
    await wf.run({});
    const t = process.cpuUsage(t0);
    return (t.user + t.system) / STEPS;
  });
  const runsDir = path.join(dir, "runs", `overhead-${name}`);
  const last = fs.readdirSync(runsDir).filter((f) => /^[0-9A-Z]{26}\.jsonl$/.test(f)).sort().at(-1);
  return { us, journal: path.join(runsDir, last) };
}

export async function run() {
  const dir = workDir("overhead");
  try {
    const results = {};
    for (const name of Object.keys(variants)) results[name] = await measure(name, dir);
    const plainChunks = stepChunks(results.plain.journal);
    const richChunks = stepChunks(results.superjson.journal);
    rawWriteSync(plainChunks, dir); // warm-up
    const rawPlain = await medianOf(REPS, () => rawWriteSync(plainChunks, dir));
    const rawRich = await medianOf(REPS, () => rawWriteSync(richChunks, dir));
    const bytes = plainChunks.reduce((n, c) => n + c.length, 0) / plainChunks.length;
    const p = results.plain.us;
    return [
      row({
        metric: "step overhead, process, plain JSON, default retry", value: p, unit: "µs/step",
        baseline: rawPlain, baselineName: "raw writeSync, same bytes", target: "<= 10 µs and <= 6x",
        pass: p <= 10 && p / rawPlain <= 6, note: `${STEPS} steps x ${REPS} runs; ${bytes.toFixed(0)} bytes per step (started + step lines)`,
      }),
      row({
        metric: "step overhead, process, Date/Map result (superjson)", value: results.superjson.us, unit: "µs/step",
        baseline: rawRich, baselineName: "raw writeSync, same bytes", target: "<= 25 µs", pass: results.superjson.us <= 25,
      }),
      row({
        metric: "step overhead, process, plain JSON, named breaker", value: results.breaker.us, unit: "µs/step",
        baseline: rawPlain, baselineName: "raw writeSync, same bytes", target: "", pass: null,
      }),
    ];
  } finally {
    removeDir(dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await run());
