/**
 * `npm run test:faults`: collects the figures every fault test records, prints them as one table and writes
 * them to test/faults/results.json with the date, the machine and the Node version.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import type { Figure } from "./harness.js";

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "results.json");

export default function setup(project: TestProject): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-faults-figures-"));
  project.provide("faultsFiguresDir", dir);
  return () => {
    const figures = fs.readdirSync(dir).map((name) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as Figure);
    fs.rmSync(dir, { recursive: true, force: true });
    if (figures.length === 0) return;
    figures.sort((a, b) => a.fault.localeCompare(b.fault, "en", { numeric: true }));
    const machine = { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? "unknown", node: process.version, platform: `${os.platform()} ${os.release()}` };
    const results = { date: new Date().toISOString(), machine, figures };
    // Only a run of every fault class replaces the recorded table; a run of some files just prints its part.
    const classes = new Set(figures.map((f) => f.fault.split(" ")[0]));
    const complete = classes.size >= 9;
    if (complete) fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");
    const where = complete ? `written to ${path.relative(process.cwd(), RESULTS)}` : `a partial run (${classes.size} of 9 fault classes): ${path.relative(process.cwd(), RESULTS)} left as it was`;
    process.stdout.write(`\n${table(figures)}\n\nmachine: ${machine.nproc} x ${machine.cpu}, Node ${machine.node}; ${where}\n`);
  };
}

/** The figures as a Markdown table. */
export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.fault,
    Object.entries(f.figures).map(([k, v]) => `${k} ${v}`).join("; "),
    f.criterion,
    f.pass ? "pass" : "FAIL",
  ]);
  return ["| fault | figures | criterion | result |", "| --- | --- | --- | --- |", ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}
