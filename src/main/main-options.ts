import type { OnLocked } from "../store/store.js";

/**
 * Options of `wf.main()`.
 *
 * @example
 * ```ts
 * await nightly.main({ onLocked: "fail" });            // overlapping cron runs exit 70 instead of 0
 * await nightly.main({ force: true, args: ["--fresh"] });
 * ```
 */
export interface MainOptions {
  /** Run even when the calling file is not the process's entry point. @default false */
  force?: boolean;
  /** Command-line arguments to parse instead of `process.argv.slice(2)`. @default process.argv.slice(2) */
  args?: string[];
  /** When another process runs the same workflow and key. @default "skip" (log "already running" and exit 0) */
  onLocked?: OnLocked;
  /** Exit the process when done (with the exit code); false only sets `process.exitCode`. @default true */
  exit?: boolean;
}
