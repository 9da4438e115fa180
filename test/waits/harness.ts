import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "waits");

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = "steplog-waits-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts a fixture script with STEPLOG_DIR set; resolves when it exits. */
export function startFixture(name: string, args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [path.join(FIXTURES, name), ...args], {
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<Finished>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runFixture(name: string, args: string[], env: Record<string, string>): Promise<Finished> {
  return startFixture(name, args, env).done;
}

/** Lines of a sink file (one line per side effect), or [] when it does not exist yet. */
export function sinkLines(file: string): string[] {
  try {
    return fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** Waits until `predicate` holds, checking on file changes and every 20 ms, for at most `limitMs`. */
export async function until(predicate: () => boolean, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
