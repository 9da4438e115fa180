// Shared helpers of the benchmark modules: timing, medians, work directories, child processes, result rows.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (where `import "steplog"` resolves to dist/ through the package's self-reference). */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BENCH = path.join(ROOT, "bench");

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A fresh directory on the same disk as the project's state directories (never tmpfs: fsync must be real). */
export function workDir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `steplog-bench-${name}-`));
}

export function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs `fn` `reps` times and returns the median of what it returns (a duration or a per-item cost). */
export async function medianOf(reps, fn) {
  const values = [];
  for (let i = 0; i < reps; i++) values.push(await fn(i));
  return median(values);
}

/**
 * Spawns `node args...` and resolves with the wall time from spawn until `stdout` first contains `marker`
 * (or until exit when no marker is given), plus everything the child printed.
 */
export function timeChild(args, { cwd = ROOT, env = process.env, marker } = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let markedAt;
    let stdout = "";
    let stderr = "";
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (marker !== undefined && markedAt === undefined && stdout.includes(marker)) markedAt = performance.now();
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const end = performance.now();
      if (marker !== undefined && markedAt === undefined) {
        reject(new Error(`node ${args.join(" ")} exited (${code ?? signal}) without printing ${JSON.stringify(marker)}\n${stderr.slice(-2000)}`));
        return;
      }
      resolve({ ms: (markedAt ?? end) - start, code, signal, stdout, stderr });
    });
  });
}

/** Runs `node args...` to completion; throws with its stderr when it fails. Returns its stdout. */
export function runNode(args, { cwd = ROOT, env = process.env, allowCodes = [0] } = {}) {
  const result = spawnSync(process.execPath, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (!allowCodes.includes(result.status)) {
    throw new Error(`node ${args.join(" ")} exited with ${result.status ?? result.signal}\n${(result.stderr ?? "").slice(-3000)}`);
  }
  return result.stdout;
}

/** The last line of a child's stdout that starts with `prefix`, parsed as JSON. */
export function lastJsonLine(stdout, prefix = "RESULT ") {
  const line = stdout.split("\n").reverse().find((l) => l.startsWith(prefix));
  if (line === undefined) throw new Error(`no ${prefix.trim()} line in the child's output:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice(prefix.length));
}

/**
 * One row of the results table.
 *
 * - `value`: steplog's figure, in `unit`;
 * - `baseline` / `baselineName`: the reference measured in the same run (same unit), or null;
 * - `ratio`: value / baseline (or baseline / value when `speedup` is set: "x faster");
 * - `target`: the target as text; `pass`: whether it is met (null: informational row).
 */
export function row({ metric, value, unit, baseline = null, baselineName = "", speedup = false, target = "", pass = null, note = "" }) {
  let ratio = null;
  if (baseline !== null && baseline !== undefined && value > 0 && baseline > 0) ratio = speedup ? baseline / value : value / baseline;
  return { metric, value, unit, baseline, baselineName, ratio, speedup, target, pass, note };
}

/** Prints rows as a table (standalone run) or as one JSON line for bench/run.mjs (with --json). */
export function report(rows) {
  if (process.argv.includes("--json")) {
    process.stdout.write(`BENCH_ROWS ${JSON.stringify(rows)}\n`);
    return;
  }
  process.stdout.write(formatTable(rows) + "\n");
}

export function formatNumber(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return "-";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

export function formatRow(r) {
  const ratio = r.ratio === null ? "-" : r.speedup ? `${r.ratio >= 100 ? r.ratio.toFixed(0) : r.ratio.toFixed(1)}x faster` : `${r.ratio.toFixed(2)}x`;
  const pass = r.pass === null ? "info" : r.pass ? "PASS" : "FAIL";
  const baseline = r.baseline === null ? "-" : `${formatNumber(r.baseline, r.unit)} (${r.baselineName})`;
  return [r.metric, formatNumber(r.value, r.unit), baseline, ratio, r.target || "-", pass];
}

export function formatTable(rows) {
  const header = ["metric", "steplog", "baseline", "ratio", "target", "result"];
  const body = rows.map(formatRow);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const notes = rows.filter((r) => r.note).map((r) => `  - ${r.metric}: ${r.note}`);
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line), ...(notes.length ? ["", "notes:", ...notes] : [])].join("\n");
}

/** Markdown version of the table (bench/README.md). */
export function markdownTable(rows) {
  const header = ["metric", "steplog", "baseline (same run)", "ratio", "target", "result"];
  const esc = (s) => s.replaceAll("|", "\\|");
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${formatRow(r).map(esc).join(" | ")} |`),
  ].join("\n");
}

/** Lets a child process's timers and I/O settle, then collects garbage if exposed (between repetitions). */
export async function settle() {
  await new Promise((resolve) => setTimeout(resolve, 20));
  globalThis.gc?.();
}
