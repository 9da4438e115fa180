/**
 * Re-running a run's recorded entry script (`steplog resume`, `steplog dlq redrive`): the same node, node flags,
 * script and working directory, with `--run-id` and `--dir`; stdio is inherited and the child's exit code is ours.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { constants as osConstants } from "node:os";
import { UsageError } from "../errors.js";
import type { RunHeader } from "../journal/records.js";
import { shellQuote } from "../main/envelope.js";
import type { Cli } from "./command.js";

/**
 * Spawns the run's entry script with `--run-id` and waits for it; returns its exit code. Refuses (UsageError)
 * when the run has no recorded script or the script (or its working directory) no longer exists.
 *
 * @example
 * ```ts
 * const code = await respawnRun(cli, run.header);
 * ```
 */
export async function respawnRun(cli: Cli, header: RunHeader): Promise<number> {
  const { entry } = header;
  if (entry.script === null) {
    throw new UsageError(`run ${header.runId} was not started from a script (no entry script is recorded); resume it from the program that started it`);
  }
  if (!isFile(entry.script)) {
    throw new UsageError(`cannot resume run ${header.runId}: its script ${entry.script} no longer exists; restore it, or run the workflow's script with --run-id ${header.runId} --dir ${shellQuote(cli.dir)}`);
  }
  const cwd = isDirectory(entry.cwd) ? entry.cwd : undefined;
  const args = [...entry.execArgv, entry.script, "--run-id", header.runId, "--dir", cli.dir, ...(cli.json ? ["--json"] : [])];
  cli.err(`$ ${[entry.execPath, ...args].map(shellQuote).join(" ")}${cwd ? "" : `  (its directory ${entry.cwd} is gone; running in ${process.cwd()})`}`);
  const child = spawn(entry.execPath, args, { cwd: cwd ?? process.cwd(), stdio: "inherit", env: cli.env });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once("error", (error) => reject(new UsageError(`cannot start ${entry.execPath}: ${error.message}`)));
      child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)));
    });
  } finally {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
  }
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
