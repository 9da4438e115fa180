/**
 * How to start a run's recorded entry script again (`steplog resume`, `dlq redrive`, `fork --run`, the
 * dashboard): the same node, node flags, script and working directory, with `--run-id`, and the store passed
 * as `--dir` (file store) or STEPLOG_DATABASE_URL / STEPLOG_DATABASE_SCHEMA in the environment (PostgreSQL).
 */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { fs, os } from "../builtins.js";
import { UsageError } from "../errors.js";
import type { RunHeader } from "../journal/records.js";
import { shellQuote } from "./envelope.js";

/** Where the rerun script finds the store, and what else it gets. */
export interface RerunTarget {
  /** The file store's state directory (passed as `--dir`). */
  dir?: string;
  /** The PostgreSQL connection string (passed in the environment, never on the command line). */
  databaseUrl?: string;
  /** The PostgreSQL schema (passed in the environment). */
  databaseSchema?: string;
  /** Extra flags for the script, such as `--json`. */
  extraArgs?: string[];
  env: NodeJS.ProcessEnv;
}

/** A planned rerun: what to spawn, and how to show it to a person. */
export interface RerunPlan {
  execPath: string;
  args: string[];
  cwd: string;
  /** False when the recorded working directory is gone and the current one is used instead. */
  cwdExists: boolean;
  env: NodeJS.ProcessEnv;
  /** The command line for people (without secrets). */
  command: string;
}

/**
 * Plans the rerun of `header`'s entry script continuing run `runId` (default: the header's run; a fork continues
 * with its source run's script). Refuses (UsageError) when no script is recorded or it no longer exists.
 *
 * @example
 * ```ts
 * const plan = planRerun(run.header, { dir: "/srv/app/.steplog", env: process.env });
 * console.error(`$ ${plan.command}`);
 * ```
 */
export function planRerun(header: RunHeader, target: RerunTarget, runId = header.runId): RerunPlan {
  const { entry } = header;
  if (entry.script === null) {
    throw new UsageError(`run ${runId} was not started from a script (no entry script is recorded); resume it from the program that started it`);
  }
  const storeArgs = target.dir !== undefined ? ["--dir", target.dir] : [];
  if (!isFile(entry.script)) {
    throw new UsageError(`cannot resume run ${runId}: its script ${entry.script} no longer exists; restore it, or run the workflow's script with ${["--run-id", runId, ...storeArgs].map(shellQuote).join(" ")}`);
  }
  const args = [...entry.execArgv, entry.script, "--run-id", runId, ...storeArgs, ...(target.extraArgs ?? [])];
  const env: NodeJS.ProcessEnv = { ...target.env };
  if (target.databaseUrl !== undefined) env.STEPLOG_DATABASE_URL = target.databaseUrl;
  if (target.databaseSchema !== undefined) env.STEPLOG_DATABASE_SCHEMA = target.databaseSchema;
  const cwdExists = isDirectory(entry.cwd);
  const prefix = target.databaseUrl === undefined ? "" : `STEPLOG_DATABASE_URL=${shellQuote(maskPassword(target.databaseUrl))} `;
  return {
    execPath: entry.execPath, args, cwd: cwdExists ? entry.cwd : process.cwd(), cwdExists, env,
    command: `${prefix}${[entry.execPath, ...args].map(shellQuote).join(" ")}`,
  };
}

/**
 * Starts a planned rerun; `exited` resolves with its exit code (128 + signal number when killed, 127 when it
 * could not start).
 *
 * @example
 * ```ts
 * const { exited } = startRerun(plan, "inherit");
 * process.exitCode = await exited;
 * ```
 */
export function startRerun(plan: RerunPlan, stdio: StdioOptions): { child: ChildProcess; exited: Promise<number> } {
  const child = spawn(plan.execPath, plan.args, { cwd: plan.cwd, env: plan.env, stdio });
  const exited = new Promise<number>((resolve) => {
    child.once("error", () => resolve(127));
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)));
  });
  return { child, exited };
}

/**
 * A connection string with its password replaced by `***`, for messages.
 *
 * @example
 * ```ts
 * maskPassword("postgres://app:secret@db/app"); // "postgres://app:***@db/app"
 * ```
 */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable connection string)";
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
