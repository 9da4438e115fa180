import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, expect, it } from "vitest";
import { runFile, runIds, tempDir } from "../fixtures/docs/run.js";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

it("plans and acts, waits for the person (exit 40), then continues with the answer and writes the summary", async () => {
  const t = tempDir();
  cleanup = t.remove;
  const env = { STEPLOG_DIR: path.join(t.dir, "state") };
  const out = path.join(t.dir, "out");
  const first = await runFile("examples/agent/agent.mjs", ["--input", JSON.stringify({ out })], { env });
  expect(first.code).toBe(40);
  expect(first.stderr).toContain("Which note should the summary lead with? (hiring.txt, incident.txt, release.txt)");
  expect(first.stderr).toContain("✓ act: read#3");
  expect(fs.existsSync(out)).toBe(false);
  const [runId] = runIds(env.STEPLOG_DIR, "agent");

  const answer = await runFile("examples/agent/agent.mjs", ["answer", runId!, "incident.txt"], { env });
  expect(answer.code).toBe(0);
  const done = await runFile("examples/agent/agent.mjs", ["--run-id", runId!], { env });
  expect(done.code).toBe(0);
  expect(done.stderr).toContain("↺ act: read#3 (replayed)");
  expect(done.stderr).not.toMatch(/✓ act: (list|read)/);
  const result = JSON.parse(done.stdout) as { focus: string; summary: string };
  expect(result.focus).toBe("incident.txt");
  const summary = fs.readFileSync(path.join(out, "summary.md"), "utf8").split("\n");
  expect(summary[2]).toMatch(/^- incident\.txt \(11 words\): Incident on Tuesday/);
  expect(summary.filter((l) => l.startsWith("- "))).toHaveLength(3);
});
