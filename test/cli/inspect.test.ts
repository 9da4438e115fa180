import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, FLOWS, cli, flow, json, removeTemps, runIds, start, tempDir, waitForFile } from "./helpers.js";

let dir: string;
let root: string;

beforeAll(async () => {
  root = tempDir();
  dir = path.join(root, "state");
  fs.writeFileSync(path.join(root, "marker"), "");
  expect((await flow("steps", dir)).code).toBe(0);
  expect((await flow("flaky", dir, [], { FAIL_MARKER: path.join(root, "marker") })).code).toBe(30);
  expect((await flow("approval", dir)).code).toBe(40);
});

afterAll(removeTemps);

describe("list", () => {
  it("lists every run, newest first, with its status", async () => {
    const result = await cli(["list", "--dir", dir, "--json"]);
    expect(result.code).toBe(0);
    const runs = json<{ workflow: string; status: string }[]>(result);
    expect(runs.map((r) => [r.workflow, r.status])).toEqual([["approval", "waiting"], ["flaky", "failed"], ["steps", "completed"]]);
    const text = await cli(["list", "--dir", dir, "--status", "failed"]);
    expect(text.stdout).toMatch(/flaky\s+flaky\s+failed/);
    expect(text.stdout).not.toContain("approval");
    expect(text.stdout).not.toContain("\x1b[");
  });

  it("reads the state directory from STEPLOG_DIR", async () => {
    const result = await cli(["list", "--json"], { env: { STEPLOG_DIR: dir } });
    expect(json<unknown[]>(result)).toHaveLength(3);
  });
});

describe("inspect", () => {
  it("shows a completed run's steps in call order", async () => {
    const [id] = await runIds(dir, "steps");
    const result = await cli(["inspect", id!, "--dir", dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/status\s+completed/);
    expect(result.stdout).toMatch(/code hash\s+[0-9a-f]{16}/);
    const lines = result.stdout.split("\n");
    const order = ["fetch", "double", "save"].map((k) => lines.findIndex((l) => new RegExp(`✓\\s+${k}\\s`).test(l)));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(result.stdout).toContain("│");
  });

  it("shows a failed step with its error and stack", async () => {
    const [id] = await runIds(dir, "flaky");
    const result = await cli(["inspect", id!, "--dir", dir]);
    expect(result.stdout).toMatch(/✗\s+charge/);
    expect(result.stdout).toContain("error: TerminalError [TERMINAL]: card declined");
    expect(result.stdout).toMatch(/flows\.mjs:\d+:\d+/);
    expect(result.stdout).toMatch(/status\s+failed/);
  });

  it("shows what a waiting run waits for", async () => {
    const [id] = await runIds(dir, "approval");
    const result = await cli(["inspect", id!, "--dir", dir]);
    expect(result.stdout).toMatch(/status\s+waiting/);
    expect(result.stdout).toContain("waiting for event 'approve'");
    const status = await cli(["status", id!, "--dir", dir, "--json"]);
    expect(json<{ status: string; wait: { event: string }; next: string }>(status)).toMatchObject({ status: "waiting", wait: { event: "approve" }, next: `steplog resume ${id} --dir ${dir}` });
  });

  it("marks a step the process died inside as in doubt", async () => {
    const state = path.join(tempDir(), "state");
    const ready = path.join(path.dirname(state), "ready");
    const { child, done } = start(FLOWS, ["--dir", state], { env: { FIXTURE_WORKFLOW: "slow", READY_MARKER: ready } });
    await waitForFile(ready, child);
    child.kill("SIGKILL");
    expect((await done).signal).toBe("SIGKILL");
    const [id] = await runIds(state, "slow");
    const result = await cli(["inspect", id!, "--dir", state]);
    expect(result.stdout).toMatch(/\?\s+inside.*in doubt: started, no result/);
    expect(result.stdout).toMatch(/✓\s+before/);
    expect(result.stdout).toContain("in doubt: 'inside'");
    const timeline = json<{ calls: { key: string; status: string; replayed: boolean }[] }>(await cli(["inspect", id!, "--dir", state, "--json"]));
    expect(timeline.calls.map((c) => [c.key, c.status])).toEqual([["before", "ok"], ["inside", "in-doubt"]]);
  });

  it("follows a run's log until it ends", async () => {
    const state = path.join(tempDir(), "state");
    const ready = path.join(path.dirname(state), "ready");
    const { child, done } = start(FLOWS, ["--dir", state], { env: { FIXTURE_WORKFLOW: "slow", READY_MARKER: ready } });
    await waitForFile(ready, child);
    const [id] = await runIds(state, "slow");
    const follow = start(CLI, ["logs", id!, "--dir", state, "--follow"]);
    expect((await cli(["cancel", id!, "--dir", state])).code).toBe(0);
    expect((await done).code).toBe(50);
    const logs = await follow.done;
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/step\s+before #1/);
    expect(logs.stdout).toMatch(/end\s+cancelled/);
  });
});
