// Runs the whole suite (each module in its own child process), prints one table and writes
// bench/results/latest.json. `node bench/run.mjs --only step-overhead,resume` runs a subset;
// `--markdown` also prints the table as Markdown (for bench/README.md).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BENCH, formatTable, markdownTable, row, runNode } from "./lib/harness.mjs";

const MODULES = ["import-cost", "step-overhead", "durable-step", "concurrent", "resume", "crash-to-running", "rewrite-state", "peers-dbos"];

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

// Comparisons across modules: steplog against DBOS on the same machine.
const rows = MODULES.filter((m) => m !== "peers-dbos").flatMap((m) => results[m] ?? []);
const dbos = results["peers-dbos"]?.find((r) => r.peer === "dbos")?.raw;
const find = (prefix) => rows.find((r) => r.metric.startsWith(prefix));
if (dbos) {
  const durable = find("durable step");
  const concurrent = find("200 runs x 10 steps");
  const crash = find("crash to running");
  if (durable) rows.push(row({ metric: "vs DBOS: 1,000 sequential durable steps", value: durable.value / 1000, unit: "ms/step", baseline: dbos.seq, baselineName: "DBOS Transact, local PostgreSQL", speedup: true, pass: null }));
  if (concurrent) rows.push(row({ metric: "vs DBOS: 200 runs x 10 steps", value: concurrent.value, unit: "ms", baseline: dbos.concurrent, baselineName: "DBOS Transact, local PostgreSQL", speedup: true, target: ">= 15x faster", pass: dbos.concurrent / concurrent.value >= 15 }));
  if (crash) rows.push(row({ metric: "vs DBOS: crash to running, 1,000 steps", value: crash.value, unit: "ms", baseline: dbos.recovery, baselineName: "DBOS recovery at launch", speedup: true, pass: null }));
} else if (results["peers-dbos"]) {
  rows.push(...results["peers-dbos"]);
}
rows.push(row({ metric: "PostgreSQL store (steplog/postgres)", value: Number.NaN, unit: "", target: ">= 5,000 steps/s, >= 4x DBOS", pass: null, note: "not measured: the PostgreSQL store is not part of this suite yet" }));

const report = { date: new Date().toISOString(), machine: machine(), rows };
fs.mkdirSync(path.join(BENCH, "results"), { recursive: true });
if (only === MODULES) fs.writeFileSync(path.join(BENCH, "results", "latest.json"), JSON.stringify(report, null, 2) + "\n");
const m = report.machine;
process.stdout.write(`steplog benchmarks, ${report.date}, ${m.nproc} x ${m.cpu}, Node ${m.node}, load average ${m.loadAverage.join(" ")}\n\n`);
process.stdout.write(formatTable(rows) + "\n");
if (process.argv.includes("--markdown")) process.stdout.write("\n" + markdownTable(rows) + "\n");
