// PostgreSQL store benchmark: 1,000 sequential steps in one run, 200 runs x 10 steps run concurrently in one
// process, and the same 200 x 10 enqueued and executed by a worker (enqueueing included). Prints steps/s,
// commits per step and round trips per step, medians of --reps repetitions (default 5).
//
// Round trips are the queries the store's connections sent; commits are the transactions among them (a query
// outside BEGIN ... COMMIT is one transaction, reads too). Both are counted per shape on the client; the
// server's own count (pg_stat_database.xact_commit of a database only this benchmark uses, read after the
// store's connections closed, when their statistics are surely reported) is printed next to the client's
// total as a check.
//
// Usage: npm run build && node bench/postgres.mjs [--reps N] [postgres://postgres@127.0.0.1:5432/steplog_bench_pg]
import pg from "pg";
import { workflow } from "../dist/index.js";
import { createPostgresStore, createWorker, enqueueRun } from "../dist/store/postgres/index.js";
import { median } from "./lib/harness.mjs";

export const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/steplog_bench_pg";
const POOL_SIZE = 10;

/** The shapes, in order: name, steps, and what each repetition runs. */
export const SHAPES = [
  { id: "sequential", name: "1,000 sequential steps (1 run)", steps: 1000 },
  { id: "concurrent", name: "200 x 10 concurrent (wf.run in one process)", steps: 2000 },
  { id: "worker", name: "200 x 10 enqueued, 1 worker (concurrency 200)", steps: 2000 },
];

/**
 * Measures every shape `reps` times (interleaved) on a fresh schema; returns per shape the medians of ms,
 * steps/s, commits/step and round trips/step, and the raw repetitions.
 */
export async function measureSteplog({ url = DEFAULT_URL, reps = 5, log = () => undefined } = {}) {
  await ensureDatabase(url);
  const database = new URL(url).pathname.slice(1);
  const schema = `bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl(url) });
  const trips = countRoundTrips(new Set([admin]));
  await admin.connect();
  const serverBefore = await serverCommits(admin, database);
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  const store = createPostgresStore({ pool, schema });
  await store.migrate();

  const sequential = workflow("bench-sequential", async (ctx, input) => {
    let sum = 0;
    for (let i = 0; i < input.steps; i++) sum += await ctx.step("step", () => i);
    return sum;
  }, { store });
  const tenSteps = workflow("bench-ten", async (ctx) => {
    for (let i = 0; i < 10; i++) await ctx.step(`s${i}`, () => i);
    return "ok";
  }, { store });
  const run = {
    sequential: () => sequential.run({ steps: 1000 }),
    concurrent: () => Promise.all(Array.from({ length: 200 }, () => tenSteps.run(undefined))),
    worker: async () => {
      const worker = createWorker({ store, workflows: [tenSteps], concurrency: 200 });
      await Promise.all(Array.from({ length: 200 }, () => enqueueRun(store, tenSteps, undefined)));
      worker.start();
      await worker.idle();
      await worker.stop();
    },
  };

  // warm-up: connections, prepared statements, the worker's LISTEN connection
  await sequential.run({ steps: 50 });
  await run.concurrent();
  await run.worker();

  const samples = Object.fromEntries(SHAPES.map((s) => [s.id, []]));
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const shape of SHAPES) {
        const before = trips.totals();
        const started = performance.now();
        await run[shape.id]();
        const ms = performance.now() - started;
        const after = trips.totals();
        const sample = {
          ms, stepsPerSecond: (shape.steps * 1000) / ms,
          commitsPerStep: (after.commits - before.commits) / shape.steps, roundTripsPerStep: (after.queries - before.queries) / shape.steps,
        };
        samples[shape.id].push(sample);
        log(`${shape.id} #${rep + 1}: ${Math.round(ms)} ms, ${Math.round(sample.stepsPerSecond)} steps/s, ${sample.commitsPerStep.toFixed(3)} commits/step, ${sample.roundTripsPerStep.toFixed(3)} round trips/step`);
      }
    }
  } finally {
    await store.close();
    await pool.end();
  }
  // Backends report their statistics when they exit: wait for the counter to settle.
  let server = await serverCommits(admin, database);
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await serverCommits(admin, database);
    if (now === server && i >= 2) break;
    server = now;
  }
  const check = { serverCommits: server - serverBefore, clientCommits: trips.totals().commits, clientQueries: trips.totals().queries };
  trips.restore();
  await admin.end();
  await dropSchema(url, schema);
  return SHAPES.map((shape) => {
    const list = samples[shape.id];
    const pick = (k) => median(list.map((s) => s[k]));
    return { ...shape, check, ms: pick("ms"), stepsPerSecond: pick("stepsPerSecond"), commitsPerStep: pick("commitsPerStep"), roundTripsPerStep: pick("roundTripsPerStep"), samples: list };
  });
}

/** Counts queries and transactions sent by the pg clients of this process, except `ignored` ones. */
function countRoundTrips(ignored) {
  const original = pg.Client.prototype.query;
  const inTransaction = new WeakSet();
  let queries = 0;
  let commits = 0;
  pg.Client.prototype.query = function (config, ...rest) {
    if (!ignored.has(this)) {
      const text = (typeof config === "string" ? config : config.text).trim().toLowerCase();
      queries++;
      if (text === "begin") inTransaction.add(this);
      else if (text === "commit" || text === "rollback") {
        if (text === "commit") commits++;
        inTransaction.delete(this);
      } else if (!inTransaction.has(this)) commits++;
    }
    return original.call(this, config, ...rest);
  };
  return {
    totals: () => ({ queries, commits }),
    restore: () => (pg.Client.prototype.query = original),
  };
}

/** Commits in `database` so far, as the server counts them. */
async function serverCommits(admin, database) {
  await admin.query("select pg_stat_clear_snapshot()");
  const { rows } = await admin.query("select xact_commit::bigint as n from pg_stat_database where datname = $1", [database]);
  return Number(rows[0].n);
}

function serverUrl(url) {
  const server = new URL(url);
  server.pathname = "/postgres";
  return server.toString();
}

async function dropSchema(url, schema) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}

async function ensureDatabase(url) {
  const name = new URL(url).pathname.slice(1);
  const client = new pg.Client({ connectionString: serverUrl(url) });
  await client.connect();
  try {
    const { rows } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (rows.length === 0) await client.query(`create database "${name.replace(/"/g, "")}"`);
  } finally {
    await client.end();
  }
}

/** The Markdown table of `measureSteplog`'s result. */
export function steplogTable(results, url) {
  const lines = [
    `steplog PostgreSQL store, ${url.replace(/:[^:@/]*@/, "@")}, node ${process.version}, medians of ${results[0]?.samples.length ?? 0}`,
    "",
    "| shape | steps/s | commits/step | round trips/step | ms |",
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    lines.push(`| ${r.name} | ${Math.round(r.stepsPerSecond).toLocaleString("en-US")} | ${r.commitsPerStep.toFixed(3)} | ${r.roundTripsPerStep.toFixed(3)} | ${Math.round(r.ms)} |`);
  }
  const check = results[0]?.check;
  if (check) lines.push("", `check: the server counted ${check.serverCommits} commits in the bench database over the whole run (warm-up and migration included), the client ${check.clientCommits} (${check.clientQueries} queries)`);
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const repsAt = args.indexOf("--reps");
  const reps = repsAt >= 0 ? Number(args.splice(repsAt, 2)[1]) : 5;
  const url = args[0] ?? process.env.STEPLOG_BENCH_DATABASE_URL ?? DEFAULT_URL;
  const results = await measureSteplog({ url, reps, log: (line) => process.stderr.write(`${line}\n`) });
  console.log(`\n${steplogTable(results, url)}`);
}
