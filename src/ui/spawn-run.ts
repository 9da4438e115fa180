/**
 * Re-running a run's recorded entry script from the dashboard (resume, DLQ redrive), as `steplog resume`
 * does, but in the background: the request returns at once and the page follows the run live. The script's
 * output goes to the dashboard's stderr.
 */
import type { RunHeader } from "../journal/records.js";
import { planRerun, startRerun } from "../main/rerun.js";

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
  const plan = planRerun(header, target);
  const { exited } = startRerun(plan, ["ignore", 2, 2]);
  return { command: plan.command, exited };
}
