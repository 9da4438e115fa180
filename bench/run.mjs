// Runs the whole suite (each module in its own child process), prints one table and writes
// bench/results/latest.json. `node bench/run.mjs --only step-overhead,resume` runs a subset;
// `--markdown` also prints the table as Markdown (for bench/README.md).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BENCH, formatTable, markdownTable, row, runNode } from "./lib/harness.mjs";

const MODULES = ["import-cost", "step-overhead", "durable-step", "concurrent", "resume", "crash-to-running", "rewrite-state", "postgres", "peers-dbos"];

const onlyArg = process.argv.find((a) => a.startsWith("--only"));
const only = onlyArg ? (onlyArg.includes("=") ? onlyArg.split("=")[1] : process.argv[process.argv.indexOf(onlyArg) + 1]).split(",") : MODULES;

function machine() {
  const cpu = fs.readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? "unknown";
  return { nproc: os.availableParallelism(), cpu, node: process.version, platform: `${os.type()} ${os.release()}`, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))) };
}

const results = {};
for (const name of only) {
  const started = performance.now();
  process.stderr.write(`running ${name}...`);
  try {
    const out = runNode(["--expose-gc", path.join(BENCH, `${name}.mjs`), "--json"]);
    const line = out.split("\n").find((l) => l.startsWith("BENCH_ROWS "));
    results[name] = JSON.parse(line.slice("BENCH_ROWS ".length));
    process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    process.stderr.write(` failed\n${error.message}\n`);
    results[name] = [row({ metric: `${name} (failed to run)`, value: Number.NaN, unit: "", pass: false, note: error.message.split("\n")[0] })];
  }
}

// Comparisons across modules: steplog (files, and the PostgreSQL store) against DBOS on the same machine and server.
const rows = MODULES.filter((m) => m !== "peers-dbos").flatMap((m) => results[m] ?? []);
const dbos = results["peers-dbos"]?.find((r) => r.peer === "dbos")?.raw;
const find = (prefix) => rows.find((r) => r.metric.startsWith(prefix));
const pgConcurrent = rows.find((r) => r.metric === "PostgreSQL store: 200 runs x 10 steps, one process");
const pgSequential = rows.find((r) => r.metric === "PostgreSQL store: 1,000 sequential steps");
if (dbos) {
  const durable = find("durable step");
  const concurrent = find("200 runs x 10 steps");
  const crash = find("crash to running");
  if (durable) rows.push(row({ metric: "vs DBOS: 1,000 sequential durable steps", value: durable.value / 1000, unit: "ms/step", baseline: dbos.seq, baselineName: "DBOS Transact, local PostgreSQL", speedup: true, pass: null }));
  if (concurrent) rows.push(row({ metric: "vs DBOS: 200 runs x 10 steps", value: concurrent.value, unit: "ms", baseline: dbos.concurrent, baselineName: "DBOS Transact, local PostgreSQL", speedup: true, target: ">= 15x faster", pass: dbos.concurrent / concurrent.value >= 15 }));
  if (crash) rows.push(row({ metric: "vs DBOS: crash to running, 1,000 steps", value: crash.value, unit: "ms", baseline: dbos.recovery, baselineName: "DBOS recovery at launch", speedup: true, pass: null }));
  if (pgConcurrent?.raw) rows.push(row({ metric: "PostgreSQL store vs DBOS: 200 runs x 10 steps", value: pgConcurrent.raw.ms, unit: "ms", baseline: dbos.concurrent, baselineName: "DBOS Transact, same server", speedup: true, target: ">= 4x DBOS", pass: dbos.concurrent / pgConcurrent.raw.ms >= 4, note: "both on the local PostgreSQL in this run, each in a database of its own; steplog: median of the postgres module's repetitions in one process after a warm-up; DBOS: median of 3 processes, each after a warm-up of 20 workflows" }));
  if (pgSequential?.raw) rows.push(row({ metric: "PostgreSQL store vs DBOS: 1,000 sequential steps", value: pgSequential.value, unit: "ms/step", baseline: dbos.seq, baselineName: "DBOS Transact, same server", speedup: true, pass: null }));
} else if (results["peers-dbos"]) {
  rows.push(...results["peers-dbos"]);
}
if (pgConcurrent?.raw && !dbos) {
  const why = results["peers-dbos"] ? results["peers-dbos"][0]?.note || "the DBOS module gave no figure" : "peers-dbos was not part of this run";
  rows.push(row({ metric: "PostgreSQL store vs DBOS: 200 runs x 10 steps", value: Number.NaN, unit: "", target: ">= 4x DBOS", pass: null, note: `not measured: ${why}` }));
}

const report = { date: new Date().toISOString(), machine: machine(), rows };
fs.mkdirSync(path.join(BENCH, "results"), { recursive: true });
if (only === MODULES) fs.writeFileSync(path.join(BENCH, "results", "latest.json"), JSON.stringify(report, null, 2) + "\n");
const m = report.machine;
process.stdout.write(`steplog benchmarks, ${report.date}, ${m.nproc} x ${m.cpu}, Node ${m.node}, load average ${m.loadAverage.join(" ")}\n\n`);
process.stdout.write(formatTable(rows) + "\n");
if (process.argv.includes("--markdown")) process.stdout.write("\n" + markdownTable(rows) + "\n");
