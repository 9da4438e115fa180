/**
 * The command line of a workflow script: `--input JSON|@file`, `--key`, `--run-id`, `--fresh`, `--dir`,
 * `--json`, `--log pretty|plain|json`, `--help`.
 */
import { createRequire, fs } from "../builtins.js";
import { UsageError, messageOf } from "../errors.js";
import { checkKey, checkRunId } from "../names.js";

/** Parsed flags of a workflow script. */
export interface ScriptArgs {
  input: unknown;
  inputGiven: boolean;
  key: string | undefined;
  runId: string | undefined;
  fresh: boolean;
  dir: string | undefined;
  json: boolean;
  log: "pretty" | "plain" | "json" | undefined;
  help: boolean;
}

/** Parses and validates the flags; throws UsageError (exit 10) naming the problem and the fix. */
export function parseScriptArgs(args: string[]): ScriptArgs {
  // No flags (how cron starts a script, and how a crashed one is rerun): nothing to parse.
  if (args.length === 0) return { input: undefined, inputGiven: false, key: undefined, runId: undefined, fresh: false, dir: undefined, json: false, log: undefined, help: false };
  // node:util loads here, when there are flags (importing it also loads parts of it a script never uses).
  const { parseArgs } = createRequire(import.meta.url)("node:util") as typeof import("node:util");
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        input: { type: "string" }, key: { type: "string" }, "run-id": { type: "string" }, fresh: { type: "boolean" },
        dir: { type: "string" }, json: { type: "boolean" }, log: { type: "string" }, help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError(`${messageOf(error)}. Run with --help to see the flags`);
  }
  const log = values.log as string | undefined;
  if (log !== undefined && log !== "pretty" && log !== "plain" && log !== "json") {
    throw new UsageError(`--log must be pretty, plain or json, got ${JSON.stringify(log)}`);
  }
  const runId = values["run-id"] as string | undefined;
  if (runId !== undefined) checkRunId(runId);
  const key = values.key as string | undefined;
  if (key !== undefined) checkKey(key);
  if (values.fresh && runId !== undefined) throw new UsageError("--fresh starts a new run and --run-id resumes one; give only one of them");
  const rawInput = values.input as string | undefined;
  return {
    input: rawInput === undefined ? undefined : parseInput(rawInput),
    inputGiven: rawInput !== undefined,
    key, runId, fresh: values.fresh === true, dir: values.dir as string | undefined,
    json: values.json === true, log, help: values.help === true,
  };
}

function parseInput(raw: string): unknown {
  return parseJsonFlag("--input", raw, `'{"day":"2026-11-22"}'`, "input.json");
}

/**
 * Parses a flag's value given as JSON or as `@file` holding JSON; UsageError names the flag and shows an example.
 *
 * @example
 * ```ts
 * const data = parseJsonFlag("--data", values.data, `'{"ok":true}'`, "payload.json");
 * ```
 */
export function parseJsonFlag(flag: string, raw: string, example: string, exampleFile: string): unknown {
  let text = raw;
  if (raw.startsWith("@")) {
    try {
      text = fs.readFileSync(raw.slice(1), "utf8");
    } catch (error) {
      throw new UsageError(`${flag} ${raw}: cannot read ${raw.slice(1)}: ${messageOf(error)}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} is not valid JSON (${messageOf(error)}); pass JSON such as ${flag} ${example} or ${flag} @${exampleFile}`);
  }
}

/** The help text of a workflow script. */
export function scriptHelp(workflow: string, script: string): string {
  return `Usage: node ${script} [flags]

Runs the steplog workflow '${workflow}'. A rerun resumes the latest unfinished run: completed steps
return their recorded results, the rest runs.

Flags:
  --input JSON|@file   input of a new run (refused if it differs from an unfinished run's input)
  --key KEY            run key (idempotency key): a completed run for KEY prints its result and runs nothing
  --run-id ID          resume this run
  --fresh              start a new run even if an unfinished one exists
  --dir DIR            state directory (default: env STEPLOG_DIR, else .steplog/ beside the script)
  --json               print one JSON envelope on stdout
  --log pretty|plain|json  how progress is reported on stderr (default: pretty on a TTY, else plain)
  -h, --help           this help

Exit codes: 0 completed or skipped (locked), 10 usage, 20 workflow error, 30 step failed (dead-lettered),
40 waiting, 50 cancelled, 60 persistence error, 70 locked, 80 non-determinism, 90 internal error.
`;
}
