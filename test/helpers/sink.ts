/**
 * Sink files: fixture steps append one line per side effect (their idempotency key) before returning, so a
 * test can count how often each step really ran.
 */
import * as fs from "node:fs";
import type { FixtureProcess } from "./fixture-process.js";

/**
 * The lines of a sink file (empty when it does not exist).
 *
 * @example
 * ```ts
 * expect(readSink(sink)).toHaveLength(5);
 * ```
 */
export function readSink(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const lines = text.split("\n");
  lines.pop();
  return lines;
}

/** How often each line occurs. */
export function countLines(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

function countNewlines(file: string): number {
  let text: Buffer;
  try {
    text = fs.readFileSync(file);
  } catch {
    return 0;
  }
  let n = 0;
  for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Waits until the sink holds at least `lines` lines, or the process exits first (returns false then). The only
 * polling in the tests: a child process is observed through the file it writes. Bounded by `timeoutMs`.
 *
 * @example
 * ```ts
 * if (await waitForSinkLines(proc, sink, 12)) proc.child.kill("SIGKILL");
 * ```
 */
export async function waitForSinkLines(proc: FixtureProcess, file: string, lines: number, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (countNewlines(file) >= lines) return true;
    if (proc.done) return false;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`the sink ${file} did not reach ${lines} lines within ${timeoutMs} ms`);
}
