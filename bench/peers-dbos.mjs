// DBOS Transact (bench/peers) on the local PostgreSQL, with the same workflow shapes: 1,000 sequential no-op
// steps, 200 x 10 concurrent, and recovery of a 1,000-step run after a crash (whole process, spawn to the first
// new step). Skips with a message when PostgreSQL is not reachable or the peer package cannot be installed.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { BENCH, lastJsonLine, median, report, row, runNode, timeChild } from "./lib/harness.mjs";

const PEERS = path.join(BENCH, "peers");
const HOST = process.env.BENCH_PG_HOST ?? "127.0.0.1";
const PORT = Number(process.env.BENCH_PG_PORT ?? 5432);
const USER = process.env.BENCH_PG_USER ?? "postgres";
const DATABASE = "steplog_bench_dbos";
const REPS = 3;

function reachable() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port: PORT, timeout: 2000 });
    socket.on("connect", () => (socket.destroy(), resolve(true)));
    socket.on("error", () => resolve(false));
    socket.on("timeout", () => (socket.destroy(), resolve(false)));
  });
}

function ensureInstalled() {
  if (fs.existsSync(path.join(PEERS, "node_modules", "@dbos-inc", "dbos-sdk", "package.json"))) return true;
  process.stderr.write("installing the peer packages (npm --prefix bench/peers install)...\n");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["--prefix", PEERS, "install", "--no-audit", "--no-fund"], { stdio: ["ignore", "ignore", "inherit"] });
  return result.status === 0;
}

/** A fresh database for DBOS's system tables, created with the pg client DBOS depends on. */
async function freshDatabase() {
  const { createRequire } = await import("node:module");
  const pg = createRequire(path.join(PEERS, "package.json"))("pg");
  const client = new pg.Client({ host: HOST, port: PORT, user: USER, database: "postgres" });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
  return `postgresql://${USER}@${HOST}:${PORT}/${DATABASE}`;
}

export async function measureDbos() {
  if (!(await reachable())) return { skipped: `PostgreSQL is not reachable at ${HOST}:${PORT}; DBOS comparisons skipped` };
  if (!ensureInstalled()) return { skipped: "npm --prefix bench/peers install failed; DBOS comparisons skipped" };
  const url = await freshDatabase();
  const script = path.join(PEERS, "dbos.mjs");
  const seq = median(Array.from({ length: REPS }, () => lastJsonLine(runNode([script, "seq", url], { cwd: PEERS })).msPerStep));
  const concurrent = median(Array.from({ length: REPS }, () => lastJsonLine(runNode([script, "concurrent", url], { cwd: PEERS })).ms));
  const recoveries = [];
  for (let i = 0; i < REPS; i++) {
    runNode([script, "crash", url, `recovery-${Date.now()}-${i}`], { cwd: PEERS, allowCodes: [null, 137] });
    recoveries.push((await timeChild([script, "recover", url], { cwd: PEERS, marker: "NEW_STEP" })).ms);
  }
  return { seq, concurrent, recovery: median(recoveries) };
}

export async function run() {
  const dbos = await measureDbos();
  if (dbos.skipped) {
    process.stderr.write(`${dbos.skipped}\n`);
    return [row({ metric: "DBOS Transact peer", value: Number.NaN, unit: "", target: "", pass: null, note: dbos.skipped })];
  }
  return [
    row({ metric: "DBOS: 1,000 sequential no-op steps", value: dbos.seq, unit: "ms/step", note: "DBOS Transact on local PostgreSQL; median of 3" }),
    row({ metric: "DBOS: 200 runs x 10 steps", value: dbos.concurrent, unit: "ms" }),
    row({ metric: "DBOS: crash to running, 1,000 completed steps", value: dbos.recovery, unit: "ms", note: "spawn until the recovered workflow's next step runs" }),
  ].map((r) => ({ ...r, peer: "dbos", raw: dbos }));
}

if (import.meta.url === `file://${process.argv[1]}`) report(await run());
