import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, cli, json, removeTemps, runIds, start, tempDir } from "./helpers.js";

afterAll(removeTemps);

const PIPELINE = path.join(ROOT, "test", "cli", "fixtures", "pipeline.mjs");

async function completedRun(): Promise<{ dir: string; log: string; runId: string }> {
  const root = tempDir();
  const dir = path.join(root, "state");
  const log = path.join(root, "executed.log");
  const first = await start(PIPELINE, ["--dir", dir], { env: { STEP_LOG: log } }).done;
  expect(first.code).toBe(0);
  expect(fs.readFileSync(log, "utf8")).toBe("extract\ntransform\nload\n");
  fs.writeFileSync(log, "");
  const [runId] = await runIds(dir, "pipeline");
  return { dir, log, runId: runId! };
}

describe("fork", () => {
  it("creates a run that, when resumed, executes only the step forked from and the later ones", async () => {
    const { dir, log, runId } = await completedRun();
    const forked = await cli(["fork", runId, "--from", "transform", "--dir", dir, "--json"]);
    expect(forked.code).toBe(0);
    const out = json<{ runId: string; workflow: string; forkOf: { runId: string; fromStep: string }; next: string }>(forked);
    expect(out.runId).not.toBe(runId);
    expect(out).toMatchObject({ workflow: "pipeline", forkOf: { runId, fromStep: "transform" }, next: `steplog resume ${out.runId} --dir ${dir}` });
    expect(fs.readFileSync(log, "utf8")).toBe("");

    const resumed = await cli(["resume", out.runId, "--dir", dir], { env: { STEP_LOG: log } });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`${PIPELINE} --run-id ${out.runId}`);
    expect(fs.readFileSync(log, "utf8")).toBe("transform\nload\n");
    const status = json<{ status: string }>(await cli(["status", out.runId, "--dir", dir, "--json"]));
    expect(status.status).toBe("completed");
    const source = json<{ status: string }>(await cli(["status", runId, "--dir", dir, "--json"]));
    expect(source.status).toBe("completed");
  });

  it("--run runs the fork at once through the source run's script; --key gives it its own key", async () => {
    const { dir, log, runId } = await completedRun();
    const forked = await cli(["fork", runId, "--from", "load", "--key", "retry-1", "--run", "--dir", dir], { env: { STEP_LOG: log } });
    expect(forked.code).toBe(0);
    expect(JSON.parse(forked.stdout)).toEqual({ total: 111 });
    expect(fs.readFileSync(log, "utf8")).toBe("load\n");
    const runs = json<{ runId: string; key: string; status: string }[]>(await cli(["list", "--dir", dir, "--json"]));
    expect(runs).toHaveLength(2);
    expect(runs.find((r) => r.runId !== runId)).toMatchObject({ key: "retry-1", status: "completed" });
  });

  it("refuses an unknown step, naming the run's steps, and a missing --from, with exit 10", async () => {
    const { dir, runId } = await completedRun();
    const unknown = await cli(["fork", runId, "--from", "publish", "--dir", dir]);
    expect(unknown.code).toBe(10);
    expect(unknown.stderr).toContain("has no step 'publish'; its steps are: extract, transform, load");
    expect((await cli(["fork", runId, "--dir", dir])).code).toBe(10);
    expect(await runIds(dir, "pipeline")).toEqual([runId]);
  });
});
