#!/usr/bin/env node
/**
 * The `steplog` command: parses the command line with node:util parseArgs, dispatches to one file per command
 * under `commands/`, and exits with the codes of DESIGN 10.
 */
import { parseArgs } from "node:util";
import { UsageError, messageOf } from "../errors.js";
import { ExitCode, exitCodeFor } from "../exit-codes.js";
import { storeError } from "../journal/values.js";
import { storeFromOptions } from "../store/postgres/select-store.js";
import type { Store } from "../store/store.js";
import { createCli, databaseUrlOf, stateDirOf, type Command, type FlagValues } from "./command.js";
import { palette, useColor } from "./format.js";
import { commandHelp, mainHelp } from "./help.js";
import { COMMANDS } from "./commands/index.js";

const COMMON_OPTIONS = {
  dir: { type: "string" },
  "database-url": { type: "string" },
  "database-schema": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    const command = topic === undefined ? undefined : COMMANDS.find((c) => c.name === topic);
    process.stdout.write(command ? commandHelp(command) : mainHelp(COMMANDS));
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (name === "--version") {
    process.stdout.write(`${await packageVersion()}\n`);
    return ExitCode.Ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  const json = rest.includes("--json");
  if (command === undefined) {
    return fail(new UsageError(`unknown command ${JSON.stringify(name)}; the commands are ${COMMANDS.map((c) => c.name).join(", ")} (steplog --help)`), json);
  }
  let store: Store | undefined;
  try {
    const { flags, args } = parseCommand(command, rest);
    if (flags.help === true) {
      process.stdout.write(commandHelp(command));
      return ExitCode.Ok;
    }
    store = await openStore(flags, env);
    return await command.run(createCli({ flags, args, env, color: palette(useColor(process.stdout, env)), store }));
  } catch (error) {
    return fail(error, json);
  } finally {
    await store?.close().catch(() => undefined);
  }
}

function parseCommand(command: Command, argv: string[]): { flags: FlagValues; args: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { ...COMMON_OPTIONS, ...command.options } });
  } catch (error) {
    throw new UsageError(`${messageOf(error)}; see 'steplog ${command.name} --help'`);
  }
  const flags = parsed.values as FlagValues;
  if (flags.help === true) return { flags, args: parsed.positionals };
  const [min, max] = command.positionals;
  const n = parsed.positionals.length;
  if (n < min || n > max) throw new UsageError(`usage: ${command.usage} (see 'steplog ${command.name} --help')`);
  return { flags, args: parsed.positionals };
}

/** PostgreSQL with `--database-url` or STEPLOG_DATABASE_URL (only then is `pg` loaded), else the file store of the state directory. */
function openStore(flags: FlagValues, env: NodeJS.ProcessEnv): Promise<Store> {
  const flag = (name: string) => (typeof flags[name] === "string" ? (flags[name] as string) : undefined);
  const schema = flag("database-schema");
  return storeFromOptions({
    dir: stateDirOf(flag("dir"), env, process.cwd()), databaseUrl: databaseUrlOf(flag("database-url"), env), env,
    ...(schema !== undefined ? { schema } : {}),
  });
}

function fail(error: unknown, json: boolean): number {
  const exitCode = error instanceof UsageError ? ExitCode.Usage : exitCodeFor(error, false);
  const stored = storeError(error);
  process.stderr.write(`steplog: ${stored.message}\n`);
  if (exitCode === ExitCode.Internal && stored.stack) process.stderr.write(`${stored.stack}\nThis is a bug in steplog; please report it with the lines above.\n`);
  if (json) process.stdout.write(JSON.stringify({ ok: false, exitCode, error: { name: stored.name, message: stored.message, ...(stored.code ? { code: stored.code } : {}) } }) + "\n");
  return exitCode;
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const { packageRoot } = await import("../package-root.js");
  const pkg = JSON.parse(await readFile(`${packageRoot()}/package.json`, "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

process.exitCode = await runCli(process.argv.slice(2));
