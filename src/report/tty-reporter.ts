/**
 * The live reporter of `main()` on a terminal: a line per running step with a spinner, its elapsed time and
 * `attempt n/m` during retries, replaced by ✓ / ✗ and the duration when it ends; replays, warnings and logs as
 * lines above; a summary line when the run ends. Writes to stderr only (stdout carries the result).
 */
import type { RunEvent, RunEventListener } from "../events.js";

/** Where the live lines go: a terminal stream. */
export interface TtyStream {
  write(text: string): boolean;
  /** Terminal width; live lines are cut to it so the redraw stays exact. */
  columns?: number;
}

/** Options of {@link createTtyReporter}. */
export interface TtyReporterOptions {
  /**
   * ANSI colors.
   * @default true unless the env var NO_COLOR is set
   */
  color?: boolean;
  /**
   * How often the spinner turns.
   * @default 80
   */
  frameMs?: number;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

interface Running {
  startedAt: number;
  attempt: number;
  maxAttempts: number | undefined;
  lastError?: string;
}

/**
 * A listener drawing live step lines on a terminal.
 *
 * @example
 * ```ts
 * workflow("w", fn, { onEvent: createTtyReporter(process.stderr) });
 * ```
 */
export function createTtyReporter(stream: TtyStream = process.stderr, options: TtyReporterOptions = {}): RunEventListener {
  const colored = options.color ?? !process.env.NO_COLOR;
  const paint = (code: number, close: number) => (text: string) => (colored ? `\x1b[${code}m${text}\x1b[${close}m` : text);
  const green = paint(32, 39);
  const red = paint(31, 39);
  const yellow = paint(33, 39);
  const dim = paint(2, 22);
  const cyan = paint(36, 39);
  const running = new Map<string, Running>();
  let drawn = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  let steps = 0;
  let replayed = 0;
  let failed = 0;

  const fit = (text: string) => {
    const width = Math.max(20, (stream.columns || 80) - 5);
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  };
  const clear = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    const now = performance.now();
    const lines = [...running].map(([key, r]) => {
      const attempt = r.attempt > 1 || r.lastError ? `  attempt ${r.attempt}${r.maxAttempts ? `/${r.maxAttempts}` : ""}` : "";
      const last = r.lastError ? `  last error: ${r.lastError}` : "";
      return `  ${cyan(FRAMES[frame % FRAMES.length]!)} ${fit(`${key}  ${ms(now - r.startedAt)}${attempt}${last}`)}`;
    });
    if (lines.length > 0) stream.write(lines.join("\n") + "\n");
    drawn = lines.length;
  };
  const redraw = () => {
    clear();
    draw();
  };
  const print = (line: string) => {
    clear();
    stream.write(line + "\n");
    draw();
  };
  const tick = () => {
    if (running.size === 0) {
      if (timer) clearInterval(timer);
      timer = undefined;
      return;
    }
    if (timer === undefined) {
      timer = setInterval(() => {
        frame++;
        redraw();
      }, options.frameMs ?? 80);
      timer.unref();
    }
  };
  const stop = () => {
    running.clear();
    tick();
    clear();
  };

  return (event: RunEvent) => {
    switch (event.type) {
      case "run:start":
      case "run:resume":
        print(dim(`${event.workflow} run ${event.runId} ${event.type === "run:start" ? "started" : `resumed (${event.recordedSteps} recorded)`} · key ${event.key}`));
        break;
      case "step:start":
        running.set(event.key, { startedAt: performance.now(), attempt: event.attempt, maxAttempts: event.maxAttempts });
        redraw();
        break;
      case "step:retry": {
        const r = running.get(event.key);
        if (r) Object.assign(r, { attempt: event.attempt + 1, lastError: event.error.message.split("\n")[0] });
        redraw();
        break;
      }
      case "step:replay":
        replayed++;
        print(`  ${dim("↺")} ${event.key} ${dim("replayed")}`);
        break;
      case "step:complete":
        running.delete(event.key);
        steps++;
        print(`  ${green("✓")} ${event.key} ${dim(ms(event.ms))}${event.attempts > 1 ? yellow(` (${event.attempts} attempts)`) : ""}`);
        break;
      case "step:fail":
        running.delete(event.key);
        failed++;
        print(`  ${red("✗")} ${event.key} ${red(`failed after ${event.attempts} attempt${event.attempts === 1 ? "" : "s"}: ${event.error.message}`)}`);
        break;
      case "step:log":
        print(dim(`    ${event.key}: ${event.message}`));
        break;
      case "breaker:open":
      case "breaker:half-open":
      case "breaker:close":
        print(yellow(`  ⚡ circuit '${event.name}' ${event.type.slice("breaker:".length)}`));
        break;
      case "run:warning":
        print(yellow(`  warning: ${event.message}`));
        break;
      case "lock:skip":
        print(`${event.workflow} is already running${event.owner ? ` (pid ${event.owner.pid})` : ""}; skipped`);
        break;
      case "run:wait":
        stop();
        stream.write(`${yellow("⏸")} ${event.workflow} waiting for ${event.wait.kind === "event" ? `event '${event.wait.event}'` : `its wake time ${event.wait.until === null ? "" : new Date(event.wait.until).toISOString()}`} · ${counts()}\n`);
        break;
      case "run:complete":
        stop();
        stream.write(`${green("✓")} ${event.workflow} completed in ${ms(event.ms)} · ${counts()}\n`);
        break;
      case "run:fail":
        stop();
        stream.write(`${red("✗")} ${event.workflow} failed (exit ${event.exitCode}): ${event.error.message} · ${counts()}\n`);
        break;
      case "run:cancel":
        stop();
        stream.write(`${yellow("■")} ${event.workflow} cancelled${event.reason ? `: ${event.reason}` : ""} · ${counts()}\n`);
        break;
    }
    tick();
  };

  function counts(): string {
    const parts = [`${steps} step${steps === 1 ? "" : "s"} run`];
    if (replayed > 0) parts.push(`${replayed} replayed`);
    if (failed > 0) parts.push(`${failed} failed`);
    return parts.join(", ");
  }
}

function ms(n: number): string {
  return n < 1000 ? `${Math.round(n)}ms` : `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)}s`;
}
