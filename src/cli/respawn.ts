/**
 * Re-running a run's recorded entry script (`steplog resume`, `steplog dlq redrive`, `steplog fork --run`): the
 * same node, node flags, script and working directory, with `--run-id` and `--dir` (on PostgreSQL: with
 * STEPLOG_DATABASE_URL and STEPLOG_DATABASE_SCHEMA in its environment instead of `--dir`); stdio is inherited and
 * the child's exit code is ours.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { constants as osConstants } from "node:os";
import { UsageError } from "../errors.js";
import type { RunHeader } from "../journal/records.js";
import { shellQuote } from "../main/envelope.js";
import type { Cli } from "./command.js";
import { maskPassword } from "./runs.js";

/**
 * Spawns the run's entry script with `--run-id` and waits for it; returns its exit code. Refuses (UsageError)
 * when the run has no recorded script or the script (or its working directory) no longer exists. `runId`
 * (default the header's) is the run the script continues: a fork runs with its source run's script.
 *
 * @example
 * ```ts
 * const code = await respawnRun(cli, run.header);
 * ```
 */
export async function respawnRun(cli: Cli, header: RunHeader, runId = header.runId): Promise<number> {
  const { entry } = header;
  if (entry.script === null) {
    throw new UsageError(`run ${runId} was not started from a script (no entry script is recorded); resume it from the program that started it`);
  }
  const storeArgs = cli.databaseUrl === undefined ? ["--dir", cli.dir] : [];
  if (!isFile(entry.script)) {
    throw new UsageError(`cannot resume run ${runId}: its script ${entry.script} no longer exists; restore it, or run the workflow's script with ${["--run-id", runId, ...storeArgs].map(shellQuote).join(" ")}`);
  }
  const cwd = isDirectory(entry.cwd) ? entry.cwd : undefined;
  const args = [...entry.execArgv, entry.script, "--run-id", runId, ...storeArgs, ...(cli.json ? ["--json"] : [])];
  const env = cli.databaseUrl === undefined ? cli.env : { ...cli.env, STEPLOG_DATABASE_URL: cli.databaseUrl, ...schemaEnv(cli) };
  const shown = `${cli.databaseUrl === undefined ? "" : `STEPLOG_DATABASE_URL=${shellQuote(maskPassword(cli.databaseUrl))} `}${[entry.execPath, ...args].map(shellQuote).join(" ")}`;
  cli.err(`$ ${shown}${cwd ? "" : `  (its directory ${entry.cwd} is gone; running in ${process.cwd()})`}`);
  const child = spawn(entry.execPath, args, { cwd: cwd ?? process.cwd(), stdio: "inherit", env });
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

function schemaEnv(cli: Cli): { STEPLOG_DATABASE_SCHEMA?: string } {
  const schema = cli.string("database-schema");
  return schema === undefined ? {} : { STEPLOG_DATABASE_SCHEMA: schema };
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
