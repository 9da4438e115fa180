/**
 * `steplog logs <run> [--follow]`: a run's records as readable lines; `--follow` tails new records until the
 * run ends or suspends.
 */
import { EventEmitter } from "node:events";
import { fs } from "../../builtins.js";
import type { FSWatcher } from "node:fs";
import type { JournalRecord } from "../../journal/records.js";
import type { LoadedRun } from "../../store/store.js";
import type { Cli, Command } from "../command.js";
import { formatMs, formatTime, printable, type Palette } from "../format.js";
import { loadKnownRun } from "../runs.js";

const POLL_MS = 500;

/**
 * The `logs` command.
 *
 * @example
 * ```sh
 * steplog logs 01JD3Q8Z9X4M2N7P5R6S8T0V1W --follow
 * ```
 */
export const logsCommand: Command = {
  name: "logs",
  summary: "print a run's journal as readable lines (--follow to tail it)",
  usage: "steplog logs <run> [--follow]",
  options: { follow: { type: "boolean", short: "f" } },
  flagHelp: "  -f, --follow  keep printing new records until the run ends or suspends",
  positionals: [1, 1],
  help: `Prints every record of a run's journal as one line: time, record type and what it says. With --json,
one JSON record per line.

Examples:
  steplog logs 01JD3Q8Z9X4M2N7P5R6S8T0V1W
  steplog logs 01JD3Q8Z9X4M2N7P5R6S8T0V1W --follow
  steplog logs 01JD3Q8Z9X4M2N7P5R6S8T0V1W --json | jq .type`,
  async run(cli) {
    let run = await loadKnownRun(cli, cli.args[0]);
    const print = (r: JournalRecord | LoadedRun["header"]) => cli.out(cli.json ? JSON.stringify(r) : recordLine(r, run.header.startedAt, cli.color));
    print(run.header);
    run.records.forEach(print);
    let printed = run.records.length;
    if (!cli.bool("follow") || isStop(run.records.at(-1))) return 0;
    await new Promise<void>((resolve, reject) => {
      const watcher = watchRecords(cli, run.location);
      let busy = false;
      const update = async () => {
        if (busy) return;
        busy = true;
        try {
          for (;;) {
            run = await cli.store().loadRun(run.header.runId);
            if (run.records.length === printed) break;
            run.records.slice(printed).forEach(print);
            printed = run.records.length;
          }
          if (isStop(run.records.at(-1))) {
            watcher.close();
            resolve();
          }
        } catch (error) {
          watcher.close();
          reject(error);
        } finally {
          busy = false;
        }
      };
      watcher.on("change", () => void update());
      watcher.on("error", (error: unknown) => reject(error));
      void update();
    });
    if (!cli.json) cli.err(cli.color.dim(run.records.at(-1)?.type === "suspend" ? "(the run suspended; stopped following)" : "(the run ended)"));
    return 0;
  },
};

/** Change notifications for a run's records: the journal file's, or on PostgreSQL a poll every half second. */
function watchRecords(cli: Cli, location: string): Pick<FSWatcher, "on" | "close"> {
  if (cli.databaseUrl === undefined) return fs.watch(location, { persistent: true });
  const emitter = new EventEmitter();
  const timer = setInterval(() => emitter.emit("change"), POLL_MS);
  return Object.assign(emitter, { close: () => clearInterval(timer) }) as unknown as Pick<FSWatcher, "on" | "close">;
}

function isStop(record: JournalRecord | undefined): boolean {
  return record?.type === "end" || record?.type === "suspend";
}

/**
 * One readable line for a journal record.
 *
 * @example
 * ```ts
 * recordLine(record, run.header.startedAt, palette(false)); // "2026-…Z  +1.20s  step      fetch ✓ 12ms (1 attempt)"
 * ```
 */
export function recordLine(r: JournalRecord | LoadedRun["header"], t0: number, c: Palette): string {
  const at = r.type === "run" ? r.startedAt : r.at;
  const when = `${c.dim(formatTime(at))} ${c.dim(`+${formatMs(at - t0)}`.padEnd(9))}`;
  return `${when} ${r.type.padEnd(11)} ${printable(describe(r, c))}`;
}

function describe(r: JournalRecord | LoadedRun["header"], c: Palette): string {
  switch (r.type) {
    case "run":
      return `${r.workflow} key ${r.key} on ${r.host} pid ${r.pid} code ${r.codeHash}${r.entry.script ? ` script ${r.entry.script}` : ""}`;
    case "started":
      return `${r.key} #${r.seq} (${r.kind})`;
    case "step":
      return `${r.key} #${r.seq} ${c.green("✓")} ${formatMs(r.ms)} (${r.attempts} attempt${r.attempts === 1 ? "" : "s"})`;
    case "attempt":
      return `${r.key} attempt ${r.attempt} ${c.red("failed")}: ${r.error.name}: ${r.error.message}${r.delayMs !== null ? `; retry in ${formatMs(r.delayMs)}` : ""}`;
    case "step-failed":
      return `${r.key} #${r.seq} ${c.red("✗")} after ${r.attempts} attempts: ${r.error.name}: ${r.error.message}`;
    case "sleep":
      return `${r.key} #${r.seq} until ${formatTime(r.until)}`;
    case "wait":
      return `${r.key} #${r.seq} for event '${r.event}'${r.until !== null ? ` (times out ${formatTime(r.until)})` : ""}`;
    case "event":
      return `${r.key} #${r.seq} '${r.event}' ${r.timedOut ? c.red("timed out") : `received (message ${r.messageId})`}`;
    case "patch":
      return `${r.key} = ${r.patched}`;
    case "child":
      return `${r.key} #${r.seq} child run ${r.childRunId} (${r.workflow})`;
    case "compensate":
      return `${r.key}${r.error ? ` ${c.red("failed")}: ${r.error.message}` : " done"}`;
    case "cancel":
      return r.reason ?? "(no reason)";
    case "suspend":
      return r.wait.kind === "event" ? `waiting for event '${r.wait.event}'` : `sleeping until ${r.wait.until === null ? "?" : formatTime(r.wait.until)}`;
    case "end":
      return `${r.status}${r.error ? `: ${r.error.name}: ${r.error.message}` : ""}${r.compensated ? " (compensated)" : ""}`;
  }
}

