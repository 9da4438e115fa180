/**
 * What `main()` reports on stderr while a run executes: plain lines (`--log plain`, or off a TTY), JSON lines
 * (`--log json`), or live lines on a TTY (`--log pretty`). Stdout is reserved for the result.
 */
import type { RunEvent, RunEventListener } from "../events.js";
import { stderrIsTerminal, writeStderr } from "./stdio.js";

/** The reporter's output style. */
export type LogStyle = "pretty" | "plain" | "json";

/** Writes to stderr synchronously enough that lines are not lost when the process exits. */
export type LineWriter = (line: string) => void;

const stderrWriter: LineWriter = (line) => writeStderr(line + "\n");

function ms(n: number): string {
  return n < 1000 ? `${n}ms` : `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)}s`;
}

/** A line for an event in plain style, or undefined for events not worth a line. */
export function plainLine(event: RunEvent): string | undefined {
  switch (event.type) {
    case "run:start":
      return `[steplog] ${event.workflow} run ${event.runId} started (key ${event.key})`;
    case "run:resume":
      return `[steplog] ${event.workflow} run ${event.runId} resumed (${event.recordedSteps} recorded step${event.recordedSteps === 1 ? "" : "s"})`;
    case "run:warning":
      return `[steplog] warning: ${event.message}`;
    case "step:replay":
      return `  ↺ ${event.key} (replayed)`;
    case "step:retry":
      return `  ! ${event.key} attempt ${event.attempt} failed: ${event.error.message}; retrying in ${ms(event.delayMs)}`;
    case "step:complete":
      return `  ✓ ${event.key} ${ms(event.ms)}${event.attempts > 1 ? ` (${event.attempts} attempts)` : ""}`;
    case "step:fail":
      return `  ✗ ${event.key} failed after ${event.attempts} attempt${event.attempts === 1 ? "" : "s"}: ${event.error.message}`;
    case "step:log":
      return `    ${event.key}: ${event.message}`;
    case "breaker:open":
    case "breaker:half-open":
    case "breaker:close":
      return `  ⚡ circuit '${event.name}' ${event.type.slice("breaker:".length)}`;
    case "run:wait":
      return `[steplog] run ${event.runId} is waiting for ${event.wait.kind === "event" ? `event '${event.wait.event}'` : `its wake time`}${event.wait.until !== null ? ` (until ${new Date(event.wait.until).toISOString()})` : ""}`;
    case "run:complete":
      return `[steplog] ${event.workflow} run ${event.runId} completed in ${ms(event.ms)}`;
    case "run:fail":
      return `[steplog] ${event.workflow} run ${event.runId} failed (exit ${event.exitCode}): ${event.error.message}`;
    case "run:cancel":
      return `[steplog] run ${event.runId} cancelled${event.reason ? `: ${event.reason}` : ""}`;
    case "lock:skip":
      return `[steplog] ${event.workflow} is already running${event.owner ? ` (pid ${event.owner.pid} since ${new Date(event.owner.since).toISOString()})` : ""}; skipped`;
    default:
      return undefined;
  }
}

/**
 * The reporter of `main()`: live lines for "pretty" when stderr is a terminal (the live reporter's module loads
 * only then), else plain lines, or one JSON event per line for "json".
 *
 * @example
 * ```ts
 * const report = await createStderrReporter(stderrIsTerminal() ? "pretty" : "plain");
 * ```
 */
export async function createStderrReporter(style: LogStyle): Promise<RunEventListener> {
  if (style === "pretty" && stderrIsTerminal()) return (await import("./tty-reporter.js")).createTtyReporter(process.stderr);
  return createConsoleReporter(style);
}

/**
 * A listener that reports run events as lines, to stderr unless `write` is given: plain lines ("pretty" too: the
 * live lines of a terminal come from {@link createStderrReporter}), or one JSON event per line.
 *
 * @example
 * ```ts
 * workflow("w", fn, { onEvent: createConsoleReporter("plain") });
 * ```
 */
export function createConsoleReporter(style: LogStyle, write?: LineWriter): RunEventListener {
  write ??= stderrWriter;
  if (style === "json") return (event) => write(JSON.stringify(event, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  // A long run resumed after a crash replays thousands of steps: show the first few, then one summary line.
  let replayed = 0;
  return (event) => {
    if (event.type === "step:replay") {
      replayed++;
      if (replayed > REPLAY_LINES) return;
    } else if (replayed > REPLAY_LINES && event.type !== "step:log") {
      write(`  ↺ … and ${replayed - REPLAY_LINES} more recorded steps replayed`);
      replayed = 0;
    }
    const line = plainLine(event);
    if (line !== undefined) write(line);
  };
}

/** How many replayed steps the plain reporter lists one by one before it summarises the rest. */
const REPLAY_LINES = 20;
