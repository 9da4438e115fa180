/**
 * The built package's entry points, loaded the ways users load them: `import` from an ES module, and `require()`
 * from CommonJS where Node can require an ES module (20.19 and later, `process.features.require_module`); and
 * what importing the package costs in Node's own modules (src/builtins.ts).
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/fixture-process.js";

const entries = { steplog: "dist/index.js", "steplog/postgres": "dist/store/postgres/index.js" };
const requireEsm = (process.features as { require_module?: boolean }).require_module === true;

/** Runs `code` as a CommonJS script in a fresh process; its stdout, or the child's stderr as the error. */
function commonJs(code: string): string {
  return execFileSync(process.execPath, ["--input-type=commonjs", "-e", code], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Node's internal modules loaded once `specifier` is imported in a fresh ES module process. */
function nodeModulesAfterImport(specifier: string): Set<string> {
  const code = `await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(process.moduleLoadList))`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: repoRoot, encoding: "utf8" });
  return new Set((JSON.parse(out) as string[]).filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice("NativeModule ".length)));
}

describe("the built package", () => {
  it("loads none of Node's streams, file streams or readline when imported (built-ins taken as CommonJS objects)", () => {
    const bare = nodeModulesAfterImport("data:text/javascript,");
    const added = [...nodeModulesAfterImport(pathToFileURL(path.join(repoRoot, entries.steplog)).href)].filter((m) => !bare.has(m));
    expect(added.filter((m) => m === "stream" || m === "readline" || m.startsWith("internal/streams/") || m === "internal/fs/streams")).toEqual([]);
  });

  for (const [name, file] of Object.entries(entries)) {
    it.skipIf(!requireEsm)(`${name} loads with require() from CommonJS (no top-level await in its module graph)`, () => {
      const out = commonJs(`const m = require(${JSON.stringify(path.join(repoRoot, file))}); console.log(Object.keys(m).sort().join(","))`);
      expect(out.trim().split(",")).toContain(name === "steplog" ? "workflow" : "createPostgresStore");
    });
  }

  it.skipIf(!requireEsm)("steplog's require() and import give the same module (one copy of its classes)", () => {
    const file = path.join(repoRoot, entries.steplog);
    const out = commonJs(`import(${JSON.stringify(file)}).then((esm) => console.log(require(${JSON.stringify(file)}).SteplogError === esm.SteplogError))`);
    expect(out.trim()).toBe("true");
  });

  it("keeps the names of its classes (the bundler renames a class that refers to itself, as _TerminalError)", async () => {
    const steplog = (await import(pathToFileURL(path.join(repoRoot, entries.steplog)).href)) as Record<string, unknown>;
    const classes = Object.entries(steplog).filter(([name, value]) => typeof value === "function" && /^[A-Z]/.test(name));
    expect(classes.map(([name]) => name)).toContain("TerminalError");
    for (const [name, cls] of classes) expect((cls as { name: string }).name, name).toBe(name);
    const error = new (steplog.TerminalError as new (message: string) => Error)("card declined");
    expect(error.constructor.name).toBe("TerminalError");
    expect(error.name).toBe("TerminalError");
  });
});
