/**
 * Where the installed steplog package lives (for its `templates/`, `package.json` and the dashboard's files):
 * the nearest folder above this code whose package.json is steplog's. The code runs from `src/` (tests, tsx), or
 * from `dist/`, where it is bundled into entry files and shared chunks at different depths.
 */
import { fileURLToPath, fs, path } from "./builtins.js";

let root: string | undefined;

/**
 * The package root.
 *
 * @example
 * ```ts
 * const templates = path.join(packageRoot(), "templates");
 * ```
 */
export function packageRoot(): string {
  return (root ??= findRoot(path.dirname(fileURLToPath(import.meta.url))));
}

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown }).name === "steplog") return dir;
    } catch {
      // no package.json here, or not readable: look further up
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find steplog's package.json above ${start}`);
  }
}
