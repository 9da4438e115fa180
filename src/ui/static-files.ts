/**
 * The page's files, in `src/ui/static/` (copied to `dist/ui/static/` by the build). The
 * set is read once: only plain file names are served, so no request can reach another file. The page gets
 * the per-process action token in a meta tag.
 */
import { fileURLToPath, fs, path } from "../builtins.js";
import { packageRoot } from "../package-root.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** A file ready to serve. */
export interface StaticFile {
  type: string;
  body: Buffer;
}

/**
 * Loads the page's files; `index.html` gets `token` in place of its `__STEPLOG_TOKEN__` placeholder.
 *
 * @example
 * ```ts
 * const files = loadStaticFiles(newToken());
 * files.get("app.js")?.type; // "text/javascript; charset=utf-8"
 * ```
 */
export function loadStaticFiles(token: string, dir: string = staticDir()): Map<string, StaticFile> {
  const root = dir;
  const files = new Map<string, StaticFile>();
  for (const name of fs.readdirSync(root)) {
    const ext = name.slice(name.lastIndexOf("."));
    const type = TYPES[ext];
    if (type === undefined || !/^[a-z0-9-]+\.[a-z]+$/.test(name)) continue;
    let body = fs.readFileSync(`${root}/${name}`);
    if (name === "index.html") body = Buffer.from(body.toString("utf8").replace("__STEPLOG_TOKEN__", token));
    files.set(name, { type, body });
  }
  if (!files.has("index.html")) throw new Error(`the dashboard's files are missing from ${root}; rebuild steplog (npm run build)`);
  return files;
}

/** `src/ui/static/` when this code runs from its sources (tests, tsx), `dist/ui/static/` when built. */
function staticDir(): string {
  return path.join(packageRoot(), fileURLToPath(import.meta.url).endsWith(".ts") ? "src" : "dist", "ui", "static");
}
