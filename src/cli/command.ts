/**
 * The shape of one `steplog` command and what every command receives: its parsed flags, the state directory,
 * output helpers that honour `--json` and color, and the store (opened on first use).
 */
import { path } from "../builtins.js";
import type { ParseArgsConfig } from "node:util";
import type { Store } from "../store/store.js";
import type { Palette } from "./format.js";

/** Flags as parseArgs returns them. */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/**
 * One `steplog` command.
 *
 * @example
 * ```ts
 * export const hello: Command = {
 *   name: "hello", summary: "say hello", usage: "steplog hello", options: {}, positionals: [0, 0],
 *   help: "Examples:\n  steplog hello", run: async (cli) => (cli.out("hello"), 0),
 * };
 * ```
 */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The synopsis: `steplog send <runId> <event> [--data JSON|@file]`. */
  usage: string;
  /** Flags of this command besides the common ones (`--dir`, `--database-url`, `--json`, `--help`). */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Lines describing this command's own flags, for `--help`. */
  flagHelp?: string;
  /** Minimum and maximum number of positional arguments (Infinity for no maximum). */
  positionals: [number, number];
  /** Description and examples shown by `--help`. */
  help: string;
  run(cli: Cli): Promise<number>;
}

/**
 * What a command runs with.
 *
 * @example
 * ```ts
 * const runs = await (await cli.store()).listRuns({ limit: 10 });
 * cli.result(runs, () => runs.map((r) => r.runId).join("\n"));
 * ```
 */
export interface Cli {
  readonly flags: FlagValues;
  readonly args: string[];
  /** The state directory, absolute (used by the file store, i.e. when no database URL is given). */
  readonly dir: string;
  /** The PostgreSQL connection string (`--database-url`, else env `STEPLOG_DATABASE_URL`), if any. */
  readonly databaseUrl: string | undefined;
  /** Where the runs are, for messages: the state directory, or the PostgreSQL store's description. */
  readonly where: string;
  readonly json: boolean;
  /** Colors for stdout (off unless stdout is a TTY and NO_COLOR is unset). */
  readonly color: Palette;
  readonly env: NodeJS.ProcessEnv;
  /** Writes a line to stdout. */
  out(line: string): void;
  /** Writes a line to stderr. */
  err(line: string): void;
  /** Prints `value` as JSON with `--json`, else the text `render()` returns. */
  result(value: unknown, render: () => string): void;
  /** The selected store: PostgreSQL with a database URL, else the file store of the state directory (nothing is created until a command writes). */
  store(): Store;
  /** A flag's string value. */
  string(name: string): string | undefined;
  /** A boolean flag. */
  bool(name: string): boolean;
}

/**
 * The state directory: `--dir`, else env `STEPLOG_DIR`, else `./.steplog`.
 *
 * @example
 * ```ts
 * stateDirOf(undefined, { STEPLOG_DIR: "/srv/state" }, "/home/me"); // "/srv/state"
 * ```
 */
export function stateDirOf(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  return path.resolve(cwd, flag ?? (env.STEPLOG_DIR || ".steplog"));
}

/**
 * The PostgreSQL connection string: `--database-url`, else env `STEPLOG_DATABASE_URL` (blank counts as unset).
 *
 * @example
 * ```ts
 * databaseUrlOf(undefined, { STEPLOG_DATABASE_URL: "postgres://app@db/app" }); // "postgres://app@db/app"
 * ```
 */
export function databaseUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const url = flag ?? env.STEPLOG_DATABASE_URL;
  return url === undefined || url.trim() === "" ? undefined : url;
}

/**
 * Builds the {@link Cli} of one invocation around the store it selected.
 *
 * @example
 * ```ts
 * const store = await storeFromOptions({ dir: stateDirOf(flags.dir, env, cwd), databaseUrl: databaseUrlOf(flags["database-url"], env), env });
 * const cli = createCli({ flags, args, env: process.env, color: palette(false), store });
 * ```
 */
export function createCli(init: { flags: FlagValues; args: string[]; env: NodeJS.ProcessEnv; color: Palette; store: Store; cwd?: string }): Cli {
  const { flags, args, env, color, store } = init;
  const dir = stateDirOf(typeof flags.dir === "string" ? flags.dir : undefined, env, init.cwd ?? process.cwd());
  const databaseUrl = databaseUrlOf(typeof flags["database-url"] === "string" ? flags["database-url"] : undefined, env);
  const json = flags.json === true;
  const out = (line: string) => void process.stdout.write(line + "\n");
  return {
    flags, args, dir, databaseUrl, where: databaseUrl === undefined ? dir : store.description, json, color, env, out,
    err: (line) => void process.stderr.write(line + "\n"),
    result: (value, render) => out(json ? JSON.stringify(value, jsonReplacer, 2) : render()),
    store: () => store,
    string: (name) => (typeof flags[name] === "string" ? (flags[name] as string) : undefined),
    bool: (name) => flags[name] === true,
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
