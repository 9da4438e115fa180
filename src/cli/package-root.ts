/**
 * Where the installed steplog package lives (for its `templates/` and `package.json`).
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package root: two levels above this file (`dist/cli/` or `src/cli/`).
 *
 * @example
 * ```ts
 * const templates = path.join(packageRoot(), "templates");
 * ```
 */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
}
