/**
 * The built-in modules steplog uses on the path of every run (fs, path, os, url, buffer), taken as their CommonJS
 * objects through a `require` made with `createRequire`.
 *
 * Hazard (start-up cost): an ESM `import ... from "node:fs"` builds a namespace of every export of the module,
 * which reads every lazy getter on it: `node:fs` alone then loads fs/promises, streams, readline and the file
 * watchers, about 8 ms of a script's start on a small machine, none of which a run needs. The CommonJS objects are
 * the same objects (a test that replaces `fs.writeSync` on them still sees its replacement used). `node:module`
 * itself is imported as ESM: its namespace costs one small internal module.
 *
 * Hazard (CommonJS users): no top-level `await` here or anywhere in the package. Node 20.19 and later let
 * CommonJS code `require()` an ES module, but not one whose module graph awaits at its top level.
 */
import type * as Buffer from "node:buffer";
import type * as Fs from "node:fs";
import { createRequire } from "node:module";
import type * as Os from "node:os";
import type * as Path from "node:path";
import type * as Url from "node:url";

const builtin = createRequire(import.meta.url);

export { createRequire };
export const fs = builtin("node:fs") as typeof Fs;
export const path = builtin("node:path") as typeof Path;
export const os = builtin("node:os") as typeof Os;
export const { fileURLToPath, pathToFileURL } = builtin("node:url") as typeof Url;
export const { isAscii } = builtin("node:buffer") as typeof Buffer;
