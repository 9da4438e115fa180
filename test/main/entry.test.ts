import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { callerFile } from "../../src/main/entry.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("callerFile", () => {
  it("skips steplog's own frames and names the script that called main()", () => {
    const script = path.join(repoRoot, "bench/lib/journal-workflow.mjs");
    const stack = [
      "Error",
      `    at callerFile (${path.join(repoRoot, "src/main/entry.ts")}:20:5)`,
      `    at runMain (${pathToFileURL(path.join(repoRoot, "src/main/main.ts")).href}:27:3)`,
      `    at Object.main (${path.join(repoRoot, "src/workflow.ts")}:77:7)`,
      `    at async file:///home/user/app/node_modules/steplog/dist/index.js:1:1`,
      `    at ${pathToFileURL(script).href}:30:9`,
    ].join("\n");
    expect(callerFile(stack)).toBe(script);
  });

  it("is undefined when every frame is steplog's own", () => {
    expect(callerFile(`Error\n    at runMain (${path.join(repoRoot, "src/main/main.ts")}:1:1)\n    at ${path.join(repoRoot, "src/workflow.ts")}:2:2`)).toBeUndefined();
  });
});
