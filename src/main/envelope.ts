/**
 * The `--json` envelope of DESIGN 10 and the plain result printed on stdout.
 */
import { path } from "../builtins.js";
import type { WaitInfo } from "../events.js";
import type { StoredError } from "../journal/records.js";

/** Version of the envelope's shape. */
export const ENVELOPE_SCHEMA_VERSION = 1;

/**
 * What `--json` prints on stdout: one object.
 *
 * @example
 * ```json
 * { "schemaVersion": 1, "ok": true, "status": "completed", "exitCode": 0, "runId": "01J…", "workflow": "sync", "result": { "count": 3 } }
 * ```
 */
export interface Envelope {
  schemaVersion: number;
  ok: boolean;
  status: "completed" | "waiting" | "failed" | "cancelled" | "skipped" | "interrupted";
  exitCode: number;
  runId: string | null;
  workflow: string;
  result?: unknown;
  error?: { name: string; message: string; code?: string };
  wait?: { kind: "sleep" | "event"; event?: string; until?: string; resume: string };
}

/** JSON for people and machines: Dates as ISO strings, Maps as objects, Sets as arrays, BigInts as strings. */
export function toPrintable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
      const raw = (this as Record<string, unknown>)[key];
      if (raw instanceof Map) return Object.fromEntries([...raw].map(([k, x]) => [String(k), x]));
      if (raw instanceof Set) return [...raw];
      if (typeof v === "bigint") return v.toString();
      if (raw instanceof RegExp) return raw.toString();
      return v;
    }) ?? "null",
  );
}

/**
 * The command that continues a waiting run, runnable from the current directory: `--dir` is added when the
 * state directory is not the CLI's default `./.steplog`, and TypeScript scripts run with `npx tsx`.
 */
export function resumeCommand(wait: WaitInfo, runId: string, script: string, stateDir?: string): string {
  const runner = /\.[cm]?tsx?$/.test(script) ? "npx tsx" : "node";
  const rerun = `${runner} ${shellQuote(script)} --run-id ${runId}`;
  if (wait.kind !== "event") return rerun;
  const dir = stateDir === undefined || path.resolve(".steplog") === stateDir ? "" : ` --dir ${shellQuote(path.relative(process.cwd(), stateDir) || ".")}`;
  return `npx steplog send ${runId} ${shellQuote(wait.event ?? wait.key)} --data '<json>'${dir} && ${rerun}`;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The envelope's error part. */
export function envelopeError(error: StoredError): NonNullable<Envelope["error"]> {
  return error.code === undefined ? { name: error.name, message: error.message } : { name: error.name, message: error.message, code: error.code };
}
