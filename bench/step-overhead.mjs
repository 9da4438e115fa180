// Step overhead with durability "process": the cost of one ctx.step around a function that returns at once,
// against a raw writeSync of the same bytes (the step's started + step lines, one call per step). Both are
// measured as CPU time of this process (user + system), which a shared, loaded machine disturbs far less than
// wall time; with nothing to wait for (no fsync) the two are the same on an idle machine.
//
// The floor: a minimal hand-written journaled step (lib/floor.mjs) doing only what any design with an in-doubt
// marker must do per step (a started record and a result record, each stringified, checksummed and written
// with its own writeSync), measured the same way with its repetitions interleaved with steplog's plain-JSON
// ones. It shows how much of the gap to one raw writeSync is inherent to journaling a step in two records.
import { workflow } from "steplog";
import { rawWriteSync, stepChunks } from "./lib/baselines.mjs";
import { journaledLoop } from "./lib/floor.mjs";
import { median, medianOf, removeDir, report, row, settle, workDir } from "./lib/harness.mjs";
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

/** CPU µs per step of one call of `fn` doing STEPS steps. */
async function cpuPerStep(fn) {
  await settle();
  const t0 = process.cpuUsage();
  await fn();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / STEPS;
}

/**
 * Median µs per step of `variant`, and the journal of its last run. With `floorDir`, the floor (the hand-written
 * journaled step, same results) is measured right after each repetition, and its median returned as `floor`.
 */
async function measure(name, dir, floorDir) {
  const wf = workflow(`overhead-${name}`, variants[name], { durability: "process", dir });
  let floorBytes = 0;
  const floor = async () => (floorBytes = await journaledLoop(floorDir, STEPS, plain));
  await wf.run({}); // warm-up: JIT, lazily loaded modules, the lock directory
  if (floorDir) await floor();
  const us = [];
  const floorUs = [];
  for (let i = 0; i < REPS; i++) {
    us.push(await cpuPerStep(() => wf.run({})));
    if (floorDir) floorUs.push(await cpuPerStep(floor));
  }
  const runsDir = path.join(dir, "runs", `overhead-${name}`);
  const last = fs.readdirSync(runsDir).filter((f) => /^[0-9A-Z]{26}\.jsonl$/.test(f)).sort().at(-1);
  return { us: median(us), floor: floorDir ? median(floorUs) : null, floorBytes, journal: path.join(runsDir, last) };
}

export async function run() {
  const dir = workDir("overhead");
  try {
    const results = {};
    const floorDir = path.join(dir, "floor");
    fs.mkdirSync(floorDir);
    for (const name of Object.keys(variants)) results[name] = await measure(name, dir, name === "plain" ? floorDir : undefined);
    const plainChunks = stepChunks(results.plain.journal);
    const richChunks = stepChunks(results.superjson.journal);
    rawWriteSync(plainChunks, dir); // warm-up
    const rawPlain = await medianOf(REPS, () => rawWriteSync(plainChunks, dir));
    const rawRich = await medianOf(REPS, () => rawWriteSync(richChunks, dir));
    const bytes = plainChunks.reduce((n, c) => n + c.length, 0) / plainChunks.length;
    const p = results.plain.us;
    const floor = results.plain.floor;
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
      row({
        metric: "hand-written journaled step (floor)", value: floor, unit: "µs/step",
        baseline: rawPlain, baselineName: "one raw writeSync of steplog's bytes", target: "", pass: null,
        note: `per step: JSON.stringify a started record, chain a CRC-32 (zlib.crc32), writeSync the framed line; await the step function; the same for the result record (the plain variant's results); no retry, no lock, no replay; ${results.plain.floorBytes.toFixed(0)} bytes per step; CPU time, repetitions interleaved with the plain-JSON variant's`,
      }),
      row({
        metric: "step overhead vs hand-written journaled step (floor)", value: p, unit: "µs/step",
        baseline: floor, baselineName: "hand-written journaled step (floor)", target: "", pass: null,
        note: `steplog's plain-JSON step against the floor, same results, same run; the <= 6x target is against one raw writeSync, and the floor alone is ${(floor / rawPlain).toFixed(1)}x that`,
      }),
    ];
  } finally {
    removeDir(dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await run());
