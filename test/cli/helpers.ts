/**
 * Child-process helpers for the CLI tests: run `node dist/cli/main.js` and the fixture workflows against a
 * temporary state directory, and hash a directory tree to prove a command left it unchanged.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = path.join(ROOT, "dist", "cli", "main.js");
export const FLOWS = path.join(ROOT, "test", "fixtures", "cli", "flows.mjs");

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const temps: string[] = [];

/** A fresh temporary directory, removed by {@link removeTemps}. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-cli-"));
  temps.push(dir);
  return dir;
}

/** Removes every directory made by {@link tempDir}. */
export function removeTemps(): void {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Spawns a node script and returns the child with its output collected into `done`. */
export function start(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { child: ChildProcess; done: Promise<Result> } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.STEPLOG_DIR;
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [script, ...args], { env, cwd: options.cwd ?? ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Result>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs `steplog <args>` to completion. */
export function cli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Result> {
  return start(CLI, args, options).done;
}

/** Runs a fixture workflow script to completion. */
export function flow(workflow: string, dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return start(FLOWS, ["--dir", dir, ...args], { env: { FIXTURE_WORKFLOW: workflow, ...env } }).done;
}

/** Parses the stdout of a `--json` command. */
export function json<T = unknown>(result: Result): T {
  return JSON.parse(result.stdout) as T;
}

/** Waits (bounded) until `file` exists, while `child` is alive; for observing a child process. */
export async function waitForFile(file: string, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the child exited (${child.exitCode ?? child.signalCode}) before ${file} appeared`);
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every file and directory under `dir` with the hash of its content (and its mode), for before/after checks. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const rel = path.relative(dir, full);
      const stat = fs.lstatSync(full);
      if (entry.isDirectory()) {
        out[rel + "/"] = `dir ${stat.mode}`;
        walk(full);
      } else out[rel] = `${stat.mode} ${createHash("sha256").update(fs.readFileSync(full)).digest("hex")}`;
    }
  };
  walk(dir);
  return out;
}

/** The run ids of a workflow, newest first, read through `steplog list --json`. */
export async function runIds(dir: string, workflow: string): Promise<string[]> {
  const result = await cli(["list", "--dir", dir, "--workflow", workflow, "--json"]);
  if (result.code !== 0) throw new Error(`list failed: ${result.stderr}`);
  return json<{ runId: string }[]>(result).map((r) => r.runId);
}
