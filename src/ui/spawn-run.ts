/**
 * Re-running a run's recorded entry script from the dashboard (resume, DLQ redrive), as `steplog resume`
 * does, but in the background: the request returns at once and the page follows the run live. The script's
 * output goes to the dashboard's stderr.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { constants as osConstants } from "node:os";
import { UsageError } from "../errors.js";
import type { RunHeader } from "../journal/records.js";
import { shellQuote } from "../main/envelope.js";

/** Where the re-run script finds the store. */
export interface SpawnTarget {
  /** The file store's state directory (passed as `--dir`), when it is the file store. */
  dir?: string;
  /** The PostgreSQL connection string (passed as env STEPLOG_DATABASE_URL), when it is PostgreSQL. */
  databaseUrl?: string;
  env: NodeJS.ProcessEnv;
}

/** A started re-run. */
export interface SpawnedRun {
  /** The command line, for people. */
  command: string;
  /** Its exit code (128 + signal number when killed). */
  exited: Promise<number>;
}

/**
 * Starts the run's entry script with `--run-id`; refuses (UsageError) when no script is recorded or it is gone.
 *
 * @example
 * ```ts
 * const { command, exited } = spawnRun(run.header, { dir: "/srv/app/.steplog", env: process.env });
 * exited.then((code) => console.error(`${command} exited ${code}`));
 * ```
 */
export function spawnRun(header: RunHeader, target: SpawnTarget): SpawnedRun {
  const { entry } = header;
  if (entry.script === null) throw new UsageError(`run ${header.runId} was not started from a script; resume it from the program that started it`);
  if (!isFile(entry.script)) throw new UsageError(`the script of run ${header.runId} (${entry.script}) no longer exists`);
  const args = [...entry.execArgv, entry.script, "--run-id", header.runId, ...(target.dir !== undefined ? ["--dir", target.dir] : [])];
  const env = { ...target.env, ...(target.databaseUrl !== undefined ? { STEPLOG_DATABASE_URL: target.databaseUrl } : {}) };
  const cwd = isDirectory(entry.cwd) ? entry.cwd : process.cwd();
  const command = [entry.execPath, ...args].map(shellQuote).join(" ");
  const child = spawn(entry.execPath, args, { cwd, env, stdio: ["ignore", 2, 2] });
  const exited = new Promise<number>((resolve) => {
    child.once("error", () => resolve(127));
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)));
  });
  return { command, exited };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
