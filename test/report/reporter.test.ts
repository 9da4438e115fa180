/* eslint-disable no-control-regex -- the assertions match ANSI escape sequences */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/events.js";
import { createTtyReporter } from "../../src/report/tty-reporter.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIXTURE = path.join(ROOT, "test", "fixtures", "cli", "report.mjs");
const FLOWS = path.join(ROOT, "test", "fixtures", "cli", "flows.mjs");
const CLI = path.join(ROOT, "dist", "cli", "main.js");
const temps: string[] = [];
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function stateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-report-"));
  temps.push(dir);
  return path.join(dir, "state");
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.NO_COLOR;
  Object.assign(childEnv, env);
  const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the fixture under a pseudo-terminal (util-linux `script`): stdout and stderr are both the terminal. */
function underPty(script: string, args: string, env = ""): Promise<{ code: number | null; stdout: string }> {
  return run("script", ["-qfec", `${env} ${process.execPath} ${script} ${args}`, "/dev/null"]);
}

describe("console reporter on a terminal", () => {
  it("draws a live line per step with a spinner, attempt n/m during retries, ✓ and a summary", async () => {
    const out = (await underPty(FIXTURE, `--dir ${stateDir()}`)).stdout;
    expect(out).toMatch(/⠋\S* fetch/);
    expect(out).toContain("\x1b[1F\x1b[J");
    expect(out).toMatch(/flaky\s+\d+ms\s+attempt 2\/4\s+last error: not yet \(1\)/);
    expect(out).toMatch(/attempt 3\/4/);
    expect(out).toMatch(/✓\x1b\[39m fetch/);
    expect(out).toMatch(/flaky \x1b\[2m\d+ms\x1b\[22m\x1b\[33m \(3 attempts\)/);
    expect(out).toMatch(/report completed in \d+ms · 2 steps run/);
    expect(out).toContain('"sum": 3');
  });

  it("marks replayed steps on a resumed run, and uses no colors with NO_COLOR", async () => {
    const dir = stateDir();
    const env = { FIXTURE_WORKFLOW: "approval" };
    expect((await run(process.execPath, [FLOWS, "--dir", dir], env)).code).toBe(40);
    const list = JSON.parse((await run(process.execPath, [CLI, "list", "--dir", dir, "--json"])).stdout) as { runId: string }[];
    const runId = list[0]!.runId;
    expect((await run(process.execPath, [CLI, "send", runId, "approve", "--data", "true", "--dir", dir])).code).toBe(0);
    const out = (await underPty(FLOWS, `--dir ${dir} --run-id ${runId}`, "NO_COLOR=1 FIXTURE_WORKFLOW=approval")).stdout;
    expect(out).toContain("  ↺ draft replayed");
    expect(out).toMatch(/✓ publish \d+ms/);
    expect(out).toMatch(/✓ approval completed in \d+ms · 1 step run, 1 replayed/);
    expect(out).not.toMatch(/\x1b\[\d+m/);
  });
});

describe("console reporter off a terminal", () => {
  it("writes plain lines on stderr and only the result on stdout", async () => {
    const result = await run(process.execPath, [FIXTURE, "--dir", stateDir()]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ sum: 3 });
    expect(result.stderr).toMatch(/^ {2}✓ fetch \d+ms$/m);
    expect(result.stderr).toMatch(/^ {2}! flaky attempt 1 failed: not yet \(1\); retrying in 50ms$/m);
    expect(result.stderr).not.toContain("\x1b[");
  });

  it("writes one JSON event per line with --log json", async () => {
    const result = await run(process.execPath, [FIXTURE, "--dir", stateDir(), "--log", "json", "--json"]);
    const events = result.stderr.trim().split("\n").map((line) => JSON.parse(line) as RunEvent);
    expect(events.map((e) => e.type)).toEqual(["run:start", "step:start", "step:complete", "step:start", "step:retry", "step:retry", "step:complete", "run:complete"]);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, status: "completed", result: { sum: 3 } });
  });
});

describe("createTtyReporter", () => {
  it("replays and failures become lines above the live area; the summary counts them", () => {
    let out = "";
    const report = createTtyReporter({ write: (t) => ((out += t), true), columns: 100 }, { color: false });
    const base = { runId: "01JD3Q8Z9X4M2N7P5R6S8T0V1W", workflow: "w", at: 0 };
    report({ ...base, type: "step:replay", key: "a" });
    report({ ...base, type: "step:start", key: "b", attempt: 1, maxAttempts: 2 });
    report({ ...base, type: "step:fail", key: "b", attempts: 2, error: { name: "Error", message: "boom" } });
    report({ ...base, type: "run:fail", exitCode: 30, error: { name: "StepFailedError", message: "step 'b' failed" } });
    expect(out).toContain("  ↺ a replayed\n");
    expect(out).toContain("  ✗ b failed after 2 attempts: boom\n");
    expect(out).toMatch(/✗ w failed \(exit 30\): step 'b' failed · 0 steps run, 1 replayed, 1 failed\n$/);
  });
});
