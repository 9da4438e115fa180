// Builds dist/: type declarations from tsc, and the JavaScript as three bundled entry points (the package,
// `steplog/postgres` and the CLI) sharing chunks, so that a script loads a few files instead of one per module.
// Lazily loaded parts (the lock, superjson, the PostgreSQL store, the CLI's commands) stay in their own chunks.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });

await build({
  absWorkingDir: root,
  entryPoints: ["src/index.ts", "src/store/postgres/index.ts", "src/cli/main.ts"],
  outdir: "dist",
  outbase: "src",
  // Shared chunks sit at the top of dist/, beside index.js.
  chunkNames: "chunk-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning",
});

fs.cpSync(path.join(root, "src", "ui", "static"), path.join(dist, "ui", "static"), { recursive: true });
