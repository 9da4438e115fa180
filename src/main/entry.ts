/**
 * The entry point of the process: recorded in each run header (so `steplog resume` can start it again) and used
 * by `main()` to run only when its file is the one node was started with.
 */
import { fileURLToPath, fs, path } from "../builtins.js";
import type { EntryPoint } from "../journal/records.js";
import { packageRoot } from "../package-root.js";

/** How this process was started. */
export function currentEntry(): EntryPoint {
  const script = process.argv[1] ? path.resolve(process.argv[1]) : null;
  return { script, argv: process.argv.slice(2), cwd: process.cwd(), execPath: process.execPath, execArgv: process.execArgv };
}

/** steplog's own code: dist/, and src/ (where tsx and --enable-source-maps point frames of dist/ to). */
let ownDirs: string[] | undefined;
const ownCode = (): string[] => (ownDirs ??= ["dist", "src"].map((dir) => path.join(packageRoot(), dir) + path.sep));

/** The file of the first stack frame outside steplog itself (the caller of `main()`), if it can be told. */
export function callerFile(stack: string | undefined = new Error().stack): string | undefined {
  for (const line of (stack ?? "").split("\n").slice(1)) {
    const match = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):\d+:\d+\)?\s*$/.exec(line);
    if (!match) continue;
    const file = match[1]!.startsWith("file://") ? fileURLToPath(match[1]!) : match[1]!;
    if (ownCode().some((dir) => file.startsWith(dir)) || file.includes(`${path.sep}node_modules${path.sep}steplog${path.sep}`)) continue;
    if (file.startsWith("node:")) continue;
    return file;
  }
  return undefined;
}

function real(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** True when `file` is the script node was started with (`node file`, `npx tsx file`, with or without extension). */
export function isEntryFile(file: string | undefined): boolean {
  const entry = process.argv[1];
  if (!file || !entry) return false;
  const a = real(file);
  const b = real(entry);
  if (a === b) return true;
  const strip = (p: string) => p.slice(0, p.length - path.extname(p).length);
  return strip(a) === b || strip(a) === strip(b);
}
