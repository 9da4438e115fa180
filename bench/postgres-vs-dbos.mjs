// steplog's PostgreSQL store against DBOS Transact (bench/peers) on the same PostgreSQL server, same workflow
// shapes: 1,000 sequential no-op steps in one workflow, 200 workflows x 10 steps at once. steplog also runs the
// 200 x 10 through a worker (enqueue, claim, execute); DBOS's figure for that row is its in-process 200 x 10.
// Checks the targets of ../shared/BENCHMARKS.md: one round trip and one commit per step on the sequential path,
// 200 x 10 at >= 5,000 steps/s and >= 4x DBOS.
//
// Usage: npm run build && node bench/postgres-vs-dbos.mjs [--reps N] [--json]
// The suite (`npm run bench`) measures the same 200 x 10 against DBOS with bench/postgres.mjs and peers-dbos.mjs.
// (DBOS is installed on demand with `npm --prefix bench/peers install`; skipped with a message when that fails.)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { BENCH, lastJsonLine, median, report, row, runNode } from "./lib/harness.mjs";
import { DEFAULT_URL, measureSteplog, reachable, steplogTable } from "./postgres.mjs";

const PEERS = path.join(BENCH, "peers");
const DBOS_REPS = 3;
const DBOS_DATABASE = "steplog_bench_dbos_pg";

function dbosInstalled() {
  if (fs.existsSync(path.join(PEERS, "node_modules", "@dbos-inc", "dbos-sdk", "package.json"))) return true;
  process.stderr.write("installing the peer packages (npm --prefix bench/peers install)...\n");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  return spawnSync(npm, ["--prefix", PEERS, "install", "--no-audit", "--no-fund"], { stdio: ["ignore", "ignore", "inherit"] }).status === 0;
}

/** DBOS's figures (medians of DBOS_REPS runs each), on a database of its own on the same server as `url`. */
async function measureDbos(url) {
  if (!dbosInstalled()) return { skipped: "npm --prefix bench/peers install failed" };
  const pg = createRequire(path.join(PEERS, "package.json"))("pg");
  const server = new URL(url);
  server.pathname = "/postgres";
  const client = new pg.Client({ connectionString: server.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists ${DBOS_DATABASE} with (force)`);
    await client.query(`create database ${DBOS_DATABASE}`);
  } finally {
    await client.end();
  }
  const dbosUrl = new URL(url);
  dbosUrl.pathname = `/${DBOS_DATABASE}`;
  const script = path.join(PEERS, "dbos.mjs");
  const seq = [];
  const concurrent = [];
  for (let i = 0; i < DBOS_REPS; i++) {
    seq.push(lastJsonLine(runNode([script, "seq", dbosUrl.toString()], { cwd: PEERS })).msPerStep);
    concurrent.push(lastJsonLine(runNode([script, "concurrent", dbosUrl.toString()], { cwd: PEERS })).ms);
  }
  return { seqMsPerStep: median(seq), concurrentMs: median(concurrent), raw: { seq, concurrent } };
}

const args = process.argv.slice(2);
const repsAt = args.indexOf("--reps");
const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : 5;
const url = process.env.STEPLOG_BENCH_DATABASE_URL ?? DEFAULT_URL;
if (!(await reachable(url))) {
  process.stderr.write(`PostgreSQL is not reachable at ${url.replace(/:[^:@/]*@/, "@")}; nothing measured\n`);
  process.exit(1);
}

const steplog = await measureSteplog({ url, reps, log: (line) => process.stderr.write(`${line}\n`) });
const dbos = await measureDbos(url);
if (!args.includes("--json")) process.stdout.write(`${steplogTable(steplog, url)}\n\n`);

const [seq, concurrent, worker] = steplog;
const rows = [
  row({ metric: "PG: 1,000 sequential steps, commits per step", value: seq.commitsPerStep, unit: "commits/step", target: "one commit per step (<= 1.01, run start and end included)", pass: seq.commitsPerStep <= 1.01 }),
  row({ metric: "PG: 1,000 sequential steps, round trips per step", value: seq.roundTripsPerStep, unit: "round trips/step", target: "one round trip per step (<= 1.01)", pass: seq.roundTripsPerStep <= 1.01 }),
  row({ metric: "PG: 200 x 10 in one process", value: concurrent.stepsPerSecond, unit: "steps/s", target: ">= 5,000 steps/s", pass: concurrent.stepsPerSecond >= 5000, note: `${concurrent.commitsPerStep.toFixed(3)} commits/step` }),
  row({ metric: "PG: 200 x 10 through a worker", value: worker.stepsPerSecond, unit: "steps/s", target: ">= 5,000 steps/s", pass: worker.stepsPerSecond >= 5000, note: `${worker.commitsPerStep.toFixed(3)} commits/step, enqueueing included` }),
];
if (dbos.skipped) {
  process.stderr.write(`DBOS comparison skipped: ${dbos.skipped}\n`);
} else {
  const dbosSeqStepsPerSecond = 1000 / dbos.seqMsPerStep;
  const dbosConcurrentStepsPerSecond = 2_000_000 / dbos.concurrentMs;
  rows.push(
    row({ metric: "PG vs DBOS: 1,000 sequential steps", value: seq.ms / 1000, unit: "ms/step", baseline: dbos.seqMsPerStep, baselineName: "DBOS Transact, same server", speedup: true, note: `steplog ${Math.round(seq.stepsPerSecond)} steps/s, DBOS ${Math.round(dbosSeqStepsPerSecond)} steps/s` }),
    row({ metric: "PG vs DBOS: 200 x 10 in one process", value: concurrent.ms, unit: "ms", baseline: dbos.concurrentMs, baselineName: "DBOS Transact, same server", speedup: true, target: ">= 4x faster", pass: dbos.concurrentMs / concurrent.ms >= 4, note: `DBOS ${Math.round(dbosConcurrentStepsPerSecond)} steps/s` }),
    row({ metric: "PG vs DBOS: 200 x 10 through a worker", value: worker.ms, unit: "ms", baseline: dbos.concurrentMs, baselineName: "DBOS 200 x 10 in one process", speedup: true, target: ">= 4x faster", pass: dbos.concurrentMs / worker.ms >= 4 }),
  );
}
report(rows.map((r) => ({ ...r, raw: { steplog, dbos } })));
