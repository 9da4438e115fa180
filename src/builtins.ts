/**
 * The built-in modules steplog uses on the path of every run (fs, path, os, module, url, buffer), taken as their
 * CommonJS objects with `process.getBuiltinModule` (Node 20.16 and later; earlier 20.x releases get them from a
 * `require` made with `createRequire`).
 *
 * Hazard (start-up cost): an ESM `import ... from "node:fs"` builds a namespace of every export of the module,
 * which reads every lazy getter on it: `node:fs` alone then loads fs/promises, streams, readline and the file
 * watchers, about 8 ms of a script's start on a small machine, none of which a run needs. The CommonJS objects are
 * the same objects (a test that replaces `fs.writeSync` on them still sees its replacement used).
 */
import type * as Buffer from "node:buffer";
import type * as Fs from "node:fs";
import type * as Module from "node:module";
import type * as Os from "node:os";
import type * as Path from "node:path";
import type * as Url from "node:url";

const builtin: (id: string) => unknown =
  typeof process.getBuiltinModule === "function"
    ? (id) => process.getBuiltinModule(id)
    : (await import("node:module")).createRequire(import.meta.url);

export const fs = builtin("node:fs") as typeof Fs;
export const path = builtin("node:path") as typeof Path;
export const os = builtin("node:os") as typeof Os;
export const { createRequire } = builtin("node:module") as typeof Module;
export const { fileURLToPath, pathToFileURL } = builtin("node:url") as typeof Url;
export const { isAscii } = builtin("node:buffer") as typeof Buffer;
