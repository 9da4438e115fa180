/**
 * The built package's entry points, loaded the ways users load them: `import` from an ES module, and `require()`
 * from CommonJS where Node can require an ES module (20.19 and later, `process.features.require_module`).
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/fixture-process.js";

const entries = { steplog: "dist/index.js", "steplog/postgres": "dist/store/postgres/index.js" };
const requireEsm = (process.features as { require_module?: boolean }).require_module === true;

/** Runs `code` as a CommonJS script in a fresh process; its stdout, or the child's stderr as the error. */
function commonJs(code: string): string {
  return execFileSync(process.execPath, ["--input-type=commonjs", "-e", code], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("the built package", () => {
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
});
