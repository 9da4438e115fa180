import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { workflow } from "../../src/index.js";
import { FLOWS, ROOT, cli, flow, json, removeTemps, runIds, start, tempDir, waitForFile } from "./helpers.js";

afterAll(removeTemps);

const CHANGED = path.join(ROOT, "test", "fixtures", "cli", "flows-changed.mjs");

function journalOf(dir: string, workflow: string, runId: string): string {
  return path.join(dir, "runs", workflow, `${runId}.jsonl`);
}

describe("check", () => {
  it("reports journals compatible with the code they ran under, and a divergence after a change (exit 80)", async () => {
    const dir = path.join(tempDir(), "state");
    expect((await flow("steps", dir)).code).toBe(0);
    expect((await flow("approval", dir)).code).toBe(40);
    const [steps] = await runIds(dir, "steps");
    const [approval] = await runIds(dir, "approval");
    const journals = [journalOf(dir, "steps", steps!), journalOf(dir, "approval", approval!)];
    const ok = await cli(["check", ...journals, "--module", FLOWS]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split("\n")).toEqual([`${journals[0]}: compatible`, `${journals[1]}: compatible`]);
    const bad = await cli(["check", journals[0]!, "--module", CHANGED]);
    expect(bad.code).toBe(80);
    expect(bad.stdout).toContain("diverges at #2: journal has step 'double', code called step 'triple'");
    const report = json<{ ok: boolean; journals: { verdict: { compatible: boolean } }[] }>(await cli(["check", journals[0]!, "--module", CHANGED, "--json"]));
    expect(report.ok).toBe(false);
  });

  it("stops the replay where a crashed run stands, without running the step", async () => {
    const root = tempDir();
    const dir = path.join(root, "state");
    const ready = path.join(root, "ready");
    const { child, done } = start(FLOWS, ["--dir", dir], { env: { FIXTURE_WORKFLOW: "slow", READY_MARKER: ready } });
    await waitForFile(ready, child);
    child.kill("SIGKILL");
    await done;
    fs.rmSync(ready);
    const [id] = await runIds(dir, "slow");
    const result = await cli(["check", journalOf(dir, "slow", id!), "--module", FLOWS, "--json"], { env: { READY_MARKER: ready } });
    expect(result.code).toBe(0);
    const report = json<{ journals: { verdict: { compatible: boolean; stoppedAt: { key: string } } }[] }>(result);
    expect(report.journals[0]!.verdict).toMatchObject({ compatible: true, stoppedAt: { key: "inside" } });
    expect(fs.existsSync(ready)).toBe(false);
  });

  it("refuses a module that exports no workflow", async () => {
    const root = tempDir();
    const module = path.join(root, "empty.mjs");
    fs.writeFileSync(module, "export const x = 1;\n");
    const result = await cli(["check", module, "--module", module]);
    expect(result.code).toBe(10);
    expect(result.stderr).toContain("exports no workflow");
  });
});

describe("gc", () => {
  it("removes finished runs older than the age and keeps unfinished ones; --dry-run removes nothing", async () => {
    const dir = path.join(tempDir(), "state");
    expect((await flow("steps", dir)).code).toBe(0);
    expect((await flow("approval", dir)).code).toBe(40);
    const [done] = await runIds(dir, "steps");
    const [waiting] = await runIds(dir, "approval");
    expect((await cli(["gc", "--older-than", "7d", "--dir", dir, "--json"])).stdout).toContain('"removed": []');
    const dry = json<{ wouldRemove: { runId: string }[] }>(await cli(["gc", "--older-than", "0s", "--dry-run", "--dir", dir, "--json"]));
    expect(dry.wouldRemove.map((r) => r.runId)).toEqual([done]);
    expect(fs.existsSync(journalOf(dir, "steps", done!))).toBe(true);
    const real = await cli(["gc", "--older-than", "0s", "--dir", dir]);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain(`removed 1 run`);
    expect(fs.existsSync(journalOf(dir, "steps", done!))).toBe(false);
    expect(fs.existsSync(journalOf(dir, "approval", waiting!))).toBe(true);
    expect(json<{ runId: string }[]>(await cli(["list", "--dir", dir, "--json"])).map((r) => r.runId)).toEqual([waiting]);
    expect((await cli(["inspect", done!, "--dir", dir])).code).toBe(10);
    const again = await flow("steps", dir, ["--key", "steps"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ total: 5 });
  });

  it("removes the lock epoch file of a run started without a key, so the locks directory does not grow with every run", async () => {
    const dir = path.join(tempDir(), "state");
    const wf = workflow("unkeyed", async (ctx) => ctx.step("a", () => 1), { durability: "process" });
    for (let i = 0; i < 3; i++) await wf.run(undefined, { dir });
    const epochs = () => fs.readdirSync(path.join(dir, "locks")).filter((f) => f.endsWith(".epoch"));
    expect(epochs()).toHaveLength(3);
    const result = await cli(["gc", "--older-than", "0s", "--dir", dir]);
    expect(result.stdout).toContain("removed 3 runs");
    expect(epochs()).toEqual([]);
  });

  it("refuses an age without a unit", async () => {
    const result = await cli(["gc", "--older-than", "7", "--dir", path.join(tempDir(), "state")]);
    expect(result.code).toBe(10);
    expect(result.stderr).toContain("--older-than must be a number and a unit");
  });
});
