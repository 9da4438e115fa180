// PostgreSQL store benchmark (package subpath `steplog/postgres`, local server): 1,000 sequential steps in one
// run, 200 runs x 10 steps run concurrently in one process, and the same 200 x 10 enqueued and executed by a
// worker (enqueueing included). Measures steps/s, commits per step and round trips per step, medians of the
// repetitions, on a database of its own (`steplog_bench_pg`, recreated per run).
//
// Round trips are the queries the store's connections sent; commits are the transactions among them (a query
// outside BEGIN ... COMMIT is one transaction, reads too). Both are counted per shape on the client; the
// server's own count (pg_stat_database.xact_commit of the bench database, read after the store's connections
// closed, when their statistics are surely reported) is given next to the client's total as a check.
//
// In the suite (`node bench/run.mjs`, which passes --json) it runs as a module like the others (`run()`); run.mjs
// sets its 200 x 10 against DBOS's, measured in the same run by peers-dbos.mjs. Skipped with a message row when
// PostgreSQL is not reachable.
//
// Usage: npm run build && node bench/postgres.mjs [--reps N] [postgres://postgres@127.0.0.1:5432/steplog_bench_pg]
// (alone it prints a per-shape table, then the suite's rows).
import * as net from "node:net";
import pg from "pg";
import { workflow } from "steplog";
import { createPostgresStore, createWorker, enqueueRun } from "steplog/postgres";
import { median, report, row } from "./lib/harness.mjs";

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
  await recreateDatabase(url);
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

/** Drops and creates the database of `url` (used by this benchmark only), so every run starts from nothing. */
async function recreateDatabase(url) {
  const name = new URL(url).pathname.slice(1).replace(/"/g, "");
  const client = new pg.Client({ connectionString: serverUrl(url) });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
}

/** Whether something listens at the host and port of `url` (a TCP connect, 2 s at most). */
export function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 5432), timeout: 2000 });
    socket.on("connect", () => (socket.destroy(), resolve(true)));
    socket.on("error", () => resolve(false));
    socket.on("timeout", () => (socket.destroy(), resolve(false)));
  });
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

/** The suite's rows from `measureSteplog`'s result (the shapes in SHAPES order). */
export function steplogRows(results) {
  const [seq, concurrent, worker] = results;
  const reps = concurrent.samples.length;
  const { serverCommits, clientCommits } = concurrent.check;
  const counted = `counted on the client (the store's connections' queries; one outside BEGIN ... COMMIT is one transaction); the server's pg_stat_database.xact_commit over the whole module: ${serverCommits}, the client's count: ${clientCommits}`;
  return [
    {
      ...row({
        metric: "PostgreSQL store: 200 runs x 10 steps, one process", value: concurrent.stepsPerSecond, unit: "steps/s", target: ">= 5,000 steps/s", pass: concurrent.stepsPerSecond >= 5000,
        note: `${concurrent.ms.toFixed(0)} ms for 2,000 steps (durability fsync: a step waits for its commit), ${concurrent.commitsPerStep.toFixed(3)} commits and ${concurrent.roundTripsPerStep.toFixed(3)} round trips per step (statements shared by concurrent runs); median of ${reps}, local PostgreSQL, database steplog_bench_pg`,
      }),
      raw: { ms: concurrent.ms, samples: concurrent.samples.map((s) => s.ms) },
    },
    row({
      metric: "PostgreSQL store: 1,000 sequential steps, commits per step", value: seq.commitsPerStep, unit: "commits/step", target: "1 commit per step", pass: seq.commitsPerStep <= 1.01,
      note: `${seq.commitsPerStep.toFixed(3)} commits per step in one run of 1,000 steps, run start and end included (pass: <= 1.01); ${counted}`,
    }),
    row({
      metric: "PostgreSQL store: 1,000 sequential steps, round trips per step", value: seq.roundTripsPerStep, unit: "round trips/step", target: "1 round trip per step", pass: seq.roundTripsPerStep <= 1.01,
      note: `${seq.roundTripsPerStep.toFixed(3)} round trips per step, same runs as the commits row (pass: <= 1.01)`,
    }),
    {
      ...row({ metric: "PostgreSQL store: 1,000 sequential steps", value: seq.ms / 1000, unit: "ms/step", note: `${Math.round(seq.stepsPerSecond)} steps/s; median of ${reps}` }),
      raw: { ms: seq.ms },
    },
    row({
      metric: "PostgreSQL store: 200 runs x 10 steps through a worker", value: worker.stepsPerSecond, unit: "steps/s",
      note: `enqueueing included, one worker with concurrency 200; ${worker.commitsPerStep.toFixed(3)} commits per step; median of ${reps}`,
    }),
  ];
}

/** The suite's module: measures the store, or one row saying why it was skipped. */
export async function run({ url = process.env.STEPLOG_BENCH_DATABASE_URL ?? DEFAULT_URL, reps = Number(process.env.BENCH_PG_REPS ?? 3) } = {}) {
  if (!(await reachable(url))) {
    const where = new URL(url);
    const message = `PostgreSQL is not reachable at ${where.hostname}:${where.port || 5432}; the PostgreSQL store was not measured`;
    process.stderr.write(`${message}\n`);
    return [row({ metric: "PostgreSQL store (steplog/postgres)", value: Number.NaN, unit: "", target: ">= 5,000 steps/s, >= 4x DBOS, 1 commit per step", pass: null, note: message })];
  }
  return steplogRows(await measureSteplog({ url, reps, log: (line) => process.stderr.write(`${line}\n`) }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes("--json")) {
    report(await run());
  } else {
    const args = process.argv.slice(2);
    const repsAt = args.indexOf("--reps");
    const reps = repsAt >= 0 ? Number(args.splice(repsAt, 2)[1]) : 5;
    const url = args[0] ?? process.env.STEPLOG_BENCH_DATABASE_URL ?? DEFAULT_URL;
    if (!(await reachable(url))) {
      process.stderr.write(`PostgreSQL is not reachable at ${url.replace(/:[^:@/]*@/, "@")}\n`);
      process.exit(1);
    }
    const results = await measureSteplog({ url, reps, log: (line) => process.stderr.write(`${line}\n`) });
    console.log(`\n${steplogTable(results, url)}\n`);
    report(steplogRows(results));
  }
}
