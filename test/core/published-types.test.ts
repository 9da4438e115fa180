/**
 * The type declarations steplog publishes, compiled the way a TypeScript user compiles them: a strict project with
 * `skipLibCheck: false` that has steplog, its runtime dependencies and @types/node installed, and none of
 * steplog's devDependencies (no @types/opossum, @types/proper-lockfile, @types/pg).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/fixture-process.js";

const project = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-types-"));
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

/** A project outside the repository with node_modules/steplog copied from the build (no node_modules of its own). */
function consumerProject(source: string): string {
  const modules = path.join(project, "node_modules");
  const steplog = path.join(modules, "steplog");
  fs.mkdirSync(path.join(modules, "@types"), { recursive: true });
  fs.cpSync(path.join(repoRoot, "dist"), path.join(steplog, "dist"), { recursive: true });
  fs.copyFileSync(path.join(repoRoot, "package.json"), path.join(steplog, "package.json"));
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  for (const dep of [...Object.keys(pkg.dependencies), "@types/node"]) {
    fs.symlinkSync(path.join(repoRoot, "node_modules", dep), path.join(modules, dep), "dir");
  }
  fs.writeFileSync(path.join(project, "consumer.ts"), source);
  fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true, skipLibCheck: false, types: ["node"] },
    files: ["consumer.ts"],
  }));
  return project;
}

/** tsc's output for the project; empty when it compiles. */
function compile(dir: string): string {
  try {
    execFileSync(process.execPath, [path.join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return "";
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ""}${failed.stderr ?? ""}`;
  }
}

describe("the published type declarations", () => {
  it("compile in a strict project without steplog's devDependencies (no type of theirs leaks into them)", () => {
    const dir = consumerProject(`
import { createEngine, workflow, TerminalError, type StepContext } from "steplog";

const double = workflow("double", async (ctx, input: { n: number }) => {
  const n = await ctx.step("double", ({ signal }: StepContext) => (signal.aborted ? 0 : input.n * 2), { breaker: "api" });
  const at = await ctx.step("when", () => new Date());
  if (n < 0) throw new TerminalError("negative");
  return { n, at: at.toISOString() };
});
const result: Promise<{ n: number; at: string }> = double.run({ n: 2 });
void result;
void createEngine;
`);
    expect(compile(dir)).toBe("");
  }, 60_000);
});
