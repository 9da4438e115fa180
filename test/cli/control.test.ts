import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FLOWS, ROOT, cli, flow, json, removeTemps, runIds, start, tempDir, waitForFile } from "./helpers.js";

afterAll(removeTemps);

function newState(): { root: string; dir: string } {
  const root = tempDir();
  return { root, dir: path.join(root, "state") };
}

describe("send", () => {
  it("delivers an event; the rerun completes the waiting run with its payload and replays the earlier step", async () => {
    const { dir } = newState();
    expect((await flow("approval", dir)).code).toBe(40);
    const [id] = await runIds(dir, "approval");
    const sent = await cli(["send", id!, "approve", "--data", '{"ok":true,"by":"ada"}', "--dir", dir]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain(`steplog resume ${id} --dir ${dir}`);
    const rerun = await flow("approval", dir, ["--run-id", id!]);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toEqual({ published: { ok: true, by: "ada" } });
    const inspect = await cli(["inspect", id!, "--dir", dir]);
    expect(inspect.stdout).toMatch(/✓\s+draft.*replayed/);
    expect(inspect.stdout).toMatch(/status\s+completed/);
  });

  it("reads --data from a file and refuses invalid JSON", async () => {
    const { root, dir } = newState();
    expect((await flow("approval", dir)).code).toBe(40);
    const [id] = await runIds(dir, "approval");
    expect((await cli(["send", id!, "approve", "--data", "{nope", "--dir", dir])).code).toBe(10);
    fs.writeFileSync(path.join(root, "payload.json"), '{"ok":"from file"}');
    const sent = await cli(["send", id!, "approve", "--data", `@${path.join(root, "payload.json")}`, "--dir", dir, "--json"]);
    expect(json<{ ok: boolean; event: string }>(sent)).toMatchObject({ ok: true, event: "approve" });
    const rerun = await flow("approval", dir, ["--run-id", id!]);
    expect(JSON.parse(rerun.stdout)).toEqual({ published: { ok: "from file" } });
  });
});

describe("cancel", () => {
  it("stops a running process, which exits 50", async () => {
    const { root, dir } = newState();
    const ready = path.join(root, "ready");
    const { child, done } = start(FLOWS, ["--dir", dir], { env: { FIXTURE_WORKFLOW: "slow", READY_MARKER: ready } });
    await waitForFile(ready, child);
    const [id] = await runIds(dir, "slow");
    const t0 = performance.now();
    const result = await cli(["cancel", id!, "--reason", "test says stop", "--dir", dir]);
    expect(result.code).toBe(0);
    expect((await done).code).toBe(50);
    console.log(`cancel: the running process exited ${Math.round(performance.now() - t0)} ms after 'steplog cancel' started`);
    const status = json<{ status: string }>(await cli(["status", id!, "--dir", dir, "--json"]));
    expect(status.status).toBe("cancelled");
    const inspect = await cli(["inspect", id!, "--dir", dir]);
    expect(inspect.stdout).toContain("cancel requested: test says stop");
    expect((await cli(["resume", id!, "--dir", dir])).stdout).toContain("nothing to resume");
  });
});

describe("dlq and redrive", () => {
  it("lists and shows the dead-lettered step, and redrive completes the run once the cause is fixed", async () => {
    const { root, dir } = newState();
    const marker = path.join(root, "marker");
    fs.writeFileSync(marker, "");
    expect((await flow("flaky", dir, [], { FAIL_MARKER: marker })).code).toBe(30);
    const entries = json<{ id: string; stepKey: string; status: string }[]>(await cli(["dlq", "list", "--dir", dir, "--json"]));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ stepKey: "charge", status: "open" });
    const id = entries[0]!.id;
    const shown = await cli(["dlq", "show", id, "--dir", dir]);
    expect(shown.stdout).toContain("TerminalError [TERMINAL]: card declined");
    const env = { FIXTURE_WORKFLOW: "flaky", FAIL_MARKER: marker };
    const failing = await cli(["dlq", "redrive", id, "--dir", dir], { env });
    expect(failing.code).toBe(30);
    expect(failing.stderr).toContain(`$ ${process.execPath} ${FLOWS} --run-id`);
    fs.rmSync(marker);
    const redriven = await cli(["dlq", "redrive", id, "--dir", dir], { env });
    expect(redriven.code).toBe(0);
    expect(JSON.parse(redriven.stdout)).toEqual({ charged: "charged" });
    expect(json<{ status: string }>(await cli(["dlq", "show", id, "--dir", dir, "--json"])).status).toBe("redriven");
    const [runId] = await runIds(dir, "flaky");
    expect(json<{ status: string }>(await cli(["status", runId!, "--dir", dir, "--json"])).status).toBe("completed");
    const purged = await cli(["dlq", "purge", "--dir", dir, "--json"]);
    expect(json<{ removed: number }>(purged).removed).toBe(1);
  });
});

describe("resume", () => {
  it("re-runs the recorded script, and refuses when the script is gone, naming it", async () => {
    const { root, dir } = newState();
    fs.mkdirSync(path.join(root, "node_modules"));
    fs.symlinkSync(ROOT, path.join(root, "node_modules", "steplog"));
    const script = path.join(root, "copy.mjs");
    fs.copyFileSync(FLOWS, script);
    const first = await start(script, ["--dir", dir], { env: { FIXTURE_WORKFLOW: "approval" }, cwd: root }).done;
    expect(first.code).toBe(40);
    const [id] = await runIds(dir, "approval");
    const again = await cli(["resume", id!, "--dir", dir], { env: { FIXTURE_WORKFLOW: "approval" } });
    expect(again.code).toBe(40);
    expect(again.stderr).toContain(`--run-id ${id} --dir ${dir}`);
    fs.rmSync(script);
    const gone = await cli(["resume", id!, "--dir", dir]);
    expect(gone.code).toBe(10);
    expect(gone.stderr).toContain(`its script ${script} no longer exists`);
  });
});

describe("unlock", () => {
  it("refuses while the owner is alive, removes the lock with --force, and reports a free lock", async () => {
    const { root, dir } = newState();
    const ready = path.join(root, "ready");
    const { child, done } = start(FLOWS, ["--dir", dir], { env: { FIXTURE_WORKFLOW: "slow", READY_MARKER: ready } });
    await waitForFile(ready, child);
    const refused = await cli(["unlock", "slow", "--dir", dir]);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toContain(`locked by a live process (pid ${child.pid}`);
    const forced = await cli(["unlock", "slow", "--force", "--dir", dir, "--json"]);
    expect(json<{ removed: boolean }>(forced).removed).toBe(true);
    child.kill("SIGKILL");
    await done;
    const free = await cli(["unlock", "slow", "--dir", dir]);
    expect(free.code).toBe(0);
    expect(free.stdout).toContain("is not locked");
  });
});
