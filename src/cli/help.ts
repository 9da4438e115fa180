/**
 * Help texts: the command list and each command's usage, flags, examples, environment and exit codes.
 */
import type { Command } from "./command.js";

const COMMON_FLAGS = `  --dir DIR               state directory (default: env STEPLOG_DIR, else ./.steplog)
  --database-url URL      use the PostgreSQL store at URL instead of the state directory
                          (default: env STEPLOG_DATABASE_URL)
  --database-schema NAME  its schema (default: env STEPLOG_DATABASE_SCHEMA, else steplog)
  --json                  machine-readable output on stdout
  -h, --help              this help`;

const ENVIRONMENT = `Environment:
  STEPLOG_DIR              state directory when --dir is not given
  STEPLOG_DATABASE_URL     PostgreSQL connection string when --database-url is not given
  STEPLOG_DATABASE_SCHEMA  PostgreSQL schema when --database-schema is not given
  NO_COLOR                 set to disable colors (colors are only used on a terminal)`;

const EXIT_CODES = `Exit codes: 0 ok, 10 usage or unknown run id, 60 persistence error (unreadable or corrupt state),
  other codes of a re-spawned run (resume, dlq redrive) are passed through; check exits 80 on a divergence.`;

/**
 * The help of one command.
 *
 * @example
 * ```ts
 * process.stdout.write(commandHelp(sendCommand));
 * ```
 */
export function commandHelp(command: Command): string {
  return [
    `Usage: ${command.usage}`,
    "",
    command.help.trimEnd(),
    "",
    "Flags:",
    ...(command.flagHelp ? [command.flagHelp.trimEnd()] : []),
    COMMON_FLAGS,
    "",
    ENVIRONMENT,
    "",
    EXIT_CODES,
    "",
  ].join("\n");
}

/**
 * The help of `steplog` itself: every command in one line.
 *
 * @example
 * ```ts
 * process.stdout.write(mainHelp(COMMANDS));
 * ```
 */
export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: steplog <command> [flags]",
    "",
    "Inspect and control steplog runs in a state directory.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Examples:",
    "  steplog list --status failed",
    "  steplog inspect 01JD3Q8Z9X4M2N7P5R6S8T0V1W",
    "  steplog send 01JD3Q8Z9X4M2N7P5R6S8T0V1W approval --data '{\"ok\":true}'",
    "",
    "Run 'steplog <command> --help' for a command's flags and examples.",
    "",
    ENVIRONMENT,
    "",
    EXIT_CODES,
    "",
  ].join("\n");
}
