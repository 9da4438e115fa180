/**
 * Re-running a run's recorded entry script (`steplog resume`, `steplog dlq redrive`, `steplog fork --run`) in the
 * foreground: stdio is inherited, signals are forwarded, and the child's exit code is ours.
 */
import type { RunHeader } from "../journal/records.js";
import { planRerun, startRerun } from "../main/rerun.js";
import type { Cli } from "./command.js";

/**
 * Spawns the run's entry script with `--run-id` and waits for it; returns its exit code. Refuses (UsageError)
 * when the run has no recorded script or the script no longer exists. `runId` (default the header's) is the run
 * the script continues: a fork runs with its source run's script.
 *
 * @example
 * ```ts
 * const code = await respawnRun(cli, run.header);
 * ```
 */
export async function respawnRun(cli: Cli, header: RunHeader, runId = header.runId): Promise<number> {
  const schema = cli.string("database-schema");
  const plan = planRerun(header, {
    ...(cli.databaseUrl === undefined ? { dir: cli.dir } : { databaseUrl: cli.databaseUrl }),
    ...(schema !== undefined ? { databaseSchema: schema } : {}),
    extraArgs: cli.json ? ["--json"] : [],
    env: cli.env,
  }, runId);
  cli.err(`$ ${plan.command}${plan.cwdExists ? "" : `  (its directory ${header.entry.cwd} is gone; running in ${process.cwd()})`}`);
  const { child, exited } = startRerun(plan, "inherit");
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  try {
    return await exited;
  } finally {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
  }
}
