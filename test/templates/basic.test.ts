import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { journal, runFile, runIds, stateDirsPerTest } from "../fixtures/docs/run.js";

const stateDir = stateDirsPerTest();

describe.each([
  ["templates/basic.mjs", "basic"],
  ["templates/basic.ts", "basic-ts"],
])("%s", (file, workflowName) => {
  it("completes with the documented command and prints its result on stdout", async () => {
    const dir = stateDir();
    const ran = await runFile(file, ["--input", '{"names":["ada","grace","linus"]}'], { env: { STEPLOG_DIR: dir } });
    expect(ran.stderr).toContain("completed");
    expect(ran.code).toBe(0);
    const result = JSON.parse(ran.stdout) as { greeted: string[]; savedAt: string };
    expect(result.greeted).toEqual(["hello ada", "hello grace", "hello linus"]);
    expect(Number.isNaN(Date.parse(result.savedAt))).toBe(false);
    const [runId] = runIds(dir, workflowName);
    const steps = journal(dir, workflowName, runId!).filter((r) => r.type === "step").map((r) => r.key);
    expect(steps).toEqual(["load people", "greet ada", "greet grace", "greet linus", "save summary"]);
  });

  it("resumes after SIGKILL: the rerun replays recorded steps and runs only the rest", async () => {
    const dir = stateDir();
    const names = Array.from({ length: 300 }, (_, i) => `n${i}`);
    const first = await runFile(file, ["--input", JSON.stringify({ names }), "--log", "plain"], {
      env: { STEPLOG_DIR: dir },
      killWhen: /✓ greet n0 /,
    });
    expect(first.signal).toBe("SIGKILL");
    const [runId] = runIds(dir, workflowName);
    const before = journal(dir, workflowName, runId!).filter((r) => r.type === "step").length;
    expect(before).toBeGreaterThanOrEqual(2);
    expect(before).toBeLessThan(names.length + 2);
    const second = await runFile(file, [], { env: { STEPLOG_DIR: dir } });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`run ${runId} resumed`);
    expect(second.stderr).toContain("↺ load people (replayed)");
    expect(second.stderr).toContain("↺ greet n0 (replayed)");
    expect(JSON.parse(second.stdout).greeted).toEqual(names.map((n) => `hello ${n}`));
    expect(runIds(dir, workflowName)).toEqual([runId]);
    const keys = journal(dir, workflowName, runId!).filter((r) => r.type === "step").map((r) => r.key);
    expect(keys).toEqual(["load people", ...names.map((n) => `greet ${n}`), "save summary"]);
  });
});

it("every template has the documented header", () => {
  const dir = path.join(path.dirname(path.dirname(path.dirname(new URL(import.meta.url).pathname))), "templates");
  const files = fs.readdirSync(dir).filter((f) => /\.(mjs|ts)$/.test(f));
  expect(files.sort()).toEqual(["api-sync.mjs", "basic.mjs", "basic.ts", "batch-dlq.mjs", "cron-job.mjs", "git-checkpoint.mjs", "human-approval.mjs", "saga.mjs"]);
  for (const name of files) {
    const text = fs.readFileSync(path.join(dir, name), "utf8");
    const header = text.slice(0, text.indexOf("\nimport "));
    expect(header, name).toMatch(/^\/\/ steplog template: /);
    for (const part of ["// For:", "// Run:", "// Schedule:", "// On a crash:", "EDIT"]) expect(header, `${name}: ${part}`).toContain(part);
    expect(text, name).toMatch(/from "steplog";/);
  }
});
