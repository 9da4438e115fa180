// PostgreSQL store benchmark: 1,000 sequential steps in one run, 200 runs x 10 steps run concurrently in one
// process, and the same 200 x 10 enqueued and executed by a worker. Prints steps/s and commits per step
// (pg_stat_database.xact_commit deltas, so run it on a database nothing else is using).
// Usage: npm run build && node bench/postgres.mjs [postgres://postgres@127.0.0.1:5432/steplog_bench]
import pg from "pg";
import { workflow } from "../dist/index.js";
import { createPostgresStore, createWorker, enqueueRun } from "../dist/store/postgres/index.js";

const base = process.argv[2] ?? process.env.STEPLOG_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/steplog_bench";
await ensureDatabase(base);
const schema = `bench_${process.pid}`;
const store = createPostgresStore({ connectionString: base, schema, maxConnections: 10 });
await store.migrate();
const admin = new pg.Client({ connectionString: base });
await admin.connect();

const sequential = workflow("bench-sequential", async (ctx, input) => {
  let sum = 0;
  for (let i = 0; i < input.steps; i++) sum += await ctx.step("step", () => i);
  return sum;
}, { store });
const tenSteps = workflow("bench-ten", async (ctx) => {
  for (let i = 0; i < 10; i++) await ctx.step(`s${i}`, () => i);
  return "ok";
}, { store });

await sequential.run({ steps: 50 }); // warm-up: connections, prepared statements
const rows = [];
rows.push(await measure("1,000 sequential steps (1 run)", 1000, () => sequential.run({ steps: 1000 })));
rows.push(await measure("200 x 10 concurrent (wf.run in one process)", 2000, () => Promise.all(Array.from({ length: 200 }, () => tenSteps.run(undefined)))));
rows.push(await measure("200 x 10 enqueued, 1 worker (concurrency 200)", 2000, async () => {
  const worker = createWorker({ store, workflows: [tenSteps], concurrency: 200 });
  await Promise.all(Array.from({ length: 200 }, () => enqueueRun(store, tenSteps, undefined)));
  worker.start();
  await worker.idle();
  await worker.stop();
}));

console.log(`\nsteplog PostgreSQL store, ${base.replace(/:[^:@/]*@/, "@")}, node ${process.version}\n`);
console.log("| shape | steps/s | commits/step | ms |");
console.log("| --- | ---: | ---: | ---: |");
for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.stepsPerSecond).toLocaleString("en-US")} | ${r.commitsPerStep.toFixed(2)} | ${Math.round(r.ms)} |`);

await admin.query(`drop schema "${schema}" cascade`);
await admin.end();
await store.close();

async function measure(name, steps, fn) {
  const before = await commits();
  const started = performance.now();
  await fn();
  const ms = performance.now() - started;
  const after = await commits();
  // the statistics queries themselves are two transactions
  return { name, ms, stepsPerSecond: (steps * 1000) / ms, commitsPerStep: (after - before - 2) / steps };
}

async function commits() {
  // Backends report their counters when idle (at most once a second): wait until the counter stops moving.
  let last = -1;
  for (let i = 0; i < 30; i++) {
    await admin.query("select pg_stat_clear_snapshot()");
    const { rows } = await admin.query("select xact_commit::bigint as n from pg_stat_database where datname = current_database()");
    const n = Number(rows[0].n);
    if (n === last) return n;
    last = n;
    await new Promise((resolve) => setTimeout(resolve, 1100));
  }
  return last;
}

async function ensureDatabase(url) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const server = new URL(url);
  server.pathname = "/postgres";
  const client = new pg.Client({ connectionString: server.toString() });
  await client.connect();
  try {
    const { rows } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (rows.length === 0) await client.query(`create database "${name.replace(/"/g, "")}"`);
  } finally {
    await client.end();
  }
}
