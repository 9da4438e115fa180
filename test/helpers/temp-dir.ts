/**
 * Temporary directories for tests: made under the OS temp dir, removed by {@link removeTempDirs}.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const made: string[] = [];

/**
 * A fresh, empty temporary directory.
 *
 * @example
 * ```ts
 * const root = tempDir("replay");
 * ```
 */
export function tempDir(prefix = "test"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `steplog-${prefix}-`));
  made.push(dir);
  return dir;
}

/**
 * A path for a state directory that does not exist yet, inside a fresh temporary directory.
 *
 * @example
 * ```ts
 * const state = tempStateDir(); // <tmp>/steplog-state-xxxx/state
 * ```
 */
export function tempStateDir(prefix = "state"): string {
  return path.join(tempDir(prefix), "state");
}

/**
 * Removes every directory made by {@link tempDir}.
 *
 * @example
 * ```ts
 * afterEach(removeTempDirs);
 * ```
 */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
