/**
 * Text helpers of the CLI: colors (only on a TTY, never with NO_COLOR), durations, times, tables.
 */

/** ANSI styles; every function returns its input unchanged when colors are off. */
export interface Palette {
  readonly enabled: boolean;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/**
 * A palette, colored or not.
 *
 * @example
 * ```ts
 * const c = palette(useColor(process.stdout, process.env));
 * console.log(c.green("✓"), "done");
 * ```
 */
export function palette(enabled: boolean): Palette {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return { enabled, green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/**
 * True when output to `stream` may be colored: it is a TTY and `NO_COLOR` is unset or empty.
 *
 * @example
 * ```ts
 * useColor(process.stderr, process.env); // false under NO_COLOR=1
 * ```
 */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/**
 * A duration for people: `850ms`, `1.25s`, `12.5s`, `3m 20s`, `2h 5m`, `3d 4h`.
 *
 * @example
 * ```ts
 * formatMs(200_000); // "3m 20s"
 * ```
 */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/**
 * A time as an ISO string without milliseconds: `2026-11-22T03:00:12Z`.
 *
 * @example
 * ```ts
 * formatTime(0); // "1970-01-01T00:00:00Z"
 * ```
 */
export function formatTime(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Aligns rows in columns separated by two spaces (the last column is not padded). Colors do not count.
 *
 * @example
 * ```ts
 * table([["ID", "STATUS"], ["01J…", "completed"]]);
 * ```
 */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell)))).join("  "))
    .join("\n");
}

/**
 * The length of `text` as shown on a terminal (ANSI escapes removed).
 *
 * @example
 * ```ts
 * visibleLength("\x1b[32mok\x1b[39m"); // 2
 * ```
 */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}

/**
 * A run status, colored: completed green, failed red, waiting/running yellow, cancelled dim.
 *
 * @example
 * ```ts
 * statusText("failed", palette(true));
 * ```
 */
export function statusText(status: string, c: Palette): string {
  if (status === "completed") return c.green(status);
  if (status === "failed") return c.red(status);
  if (status === "cancelled") return c.dim(status);
  return c.yellow(status);
}

/**
 * Makes a value from the state directory safe to print on a terminal (control characters escaped).
 *
 * @example
 * ```ts
 * printable("a\x1b[2Jb"); // "a\\u001b[2Jb"
 * ```
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
