import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createFileStore, workflow } from "../../src/index.js";
import { runFixture, sinkLines, startFixture, tempDir, until } from "./harness.js";

function onlyRunId(dir: string, wf: string): string {
  const files = fs.readdirSync(path.join(dir, "runs", wf)).filter((f) => /^[0-9A-Z]{26}\.jsonl$/.test(f));
  expect(files).toHaveLength(1);
  return files[0]!.slice(0, 26);
}

describe("cancellation", () => {
  it("stops a running process within about a second, runs compensations once, exits 50, and is never resumed", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const env = { STEPLOG_DIR: dir, SINK: sink };
    const { done } = startFixture("cancellable.mjs", [], env);
    await until(() => sinkLines(sink).includes("long started"));
    const runId = onlyRunId(dir, "cancellable");
    const store = createFileStore({ dir });
    const requested = Date.now();
    await store.requestCancel(runId, "operator said stop", Date.now());
    const result = await done;
    const noticedMs = Date.now() - requested;
    expect(result.code).toBe(50);
    expect(result.stderr).toContain("operator said stop");
    expect(noticedMs).toBeLessThan(5000); // the target is about a second; this bound only guards against a hang
    expect(sinkLines(sink)).toEqual(["reserve", "long started", "release 7"]);
    const records = (await store.loadRun(runId)).records;
    expect(records.filter((r) => r.type === "cancel")).toHaveLength(1);
    expect(records.at(-1)).toMatchObject({ type: "end", status: "cancelled" });

    const again = await runFixture("cancellable.mjs", ["--run-id", runId], env);
    expect(again.code).toBe(50);
    expect(sinkLines(sink)).toEqual(["reserve", "long started", "release 7"]);
    await store.close();
  });
});

describe("child runs", () => {
  it("resume correctly after the parent is SIGKILLed while the child runs", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const hold = path.join(dir, "hold");
    fs.writeFileSync(hold, "");
    const env = { STEPLOG_DIR: dir, SINK: sink, HOLD: hold };
    const { child, done } = startFixture("parent-child.mjs", [], env);
    await until(() => sinkLines(sink).includes("c2"));
    child.kill("SIGKILL");
    await done;
    fs.rmSync(hold);
    const rerun = await runFixture("parent-child.mjs", [], env);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toEqual({ fromChild: { total: 41 } });
    // c2 was in doubt when the parent died, so it ran twice; everything recorded ran once.
    expect(sinkLines(sink)).toEqual(["p1", "c1", "c2", "c2", "c3", "p2"]);
    const childRunId = onlyRunId(dir, "child-work");
    const store = createFileStore({ dir });
    const childRun = await store.loadRun(childRunId);
    expect(childRun.header.parent?.runId).toBe(onlyRunId(dir, "parent-work"));
    await store.close();
  });

  it("surfaces a child's failure in the parent as a catchable error", async () => {
    const failing = workflow("failing-child", async (ctx) => ctx.step("boom", () => { throw new Error("child broke"); }, { retry: false }), { durability: "process" });
    const parent = workflow("catching-parent", async (ctx) => {
      try {
        await ctx.child(failing, {});
        return "no error";
      } catch (error) {
        return `caught: ${(error as Error).message}`;
      }
    }, { durability: "process" });
    await expect(parent.run({}, { dir: tempDir() })).resolves.toMatch(/^caught: step '\$child:failing-child' failed after 1 attempt: step 'boom' failed after 1 attempt: child broke$/);
  });
});

describe("ctx.patched", () => {
  it("is false when replaying a run recorded before the patch, true for new runs", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const old = await runFixture("patched.mjs", [], { STEPLOG_DIR: dir, SINK: sink, VERSION: "1", CRASH_IN: "c" });
    expect(old.signal).toBe("SIGKILL");
    const resumed = await runFixture("patched.mjs", [], { STEPLOG_DIR: dir, SINK: sink, VERSION: "2" });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ audited: false });
    expect(sinkLines(sink)).toEqual(["a", "b", "c", "c"]);

    fs.rmSync(sink);
    const fresh = await runFixture("patched.mjs", ["--fresh"], { STEPLOG_DIR: dir, SINK: sink, VERSION: "2" });
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout)).toEqual({ audited: true });
    expect(sinkLines(sink)).toEqual(["a", "audit", "b", "c"]);
  });
});

describe("fork", () => {
  it("re-executes only the step it forks from and the later ones", async () => {
    const dir = tempDir();
    const count: Record<string, number> = {};
    const hit = (name: string) => () => {
      count[name] = (count[name] ?? 0) + 1;
      return `${name}@${count[name]}`;
    };
    const wf = workflow("forkable", async (ctx) => {
      const out: string[] = [];
      for (const name of ["s1", "s2", "s3", "s4"]) out.push(await ctx.step(name, hit(name)));
      return out;
    }, { durability: "process" });
    const first = await wf.run(undefined, { dir, key: "k" });
    expect(first).toEqual(["s1@1", "s2@1", "s3@1", "s4@1"]);
    const store = createFileStore({ dir });
    const [source] = await store.listRuns({ workflow: "forkable" });
    const forked = await wf.fork(source!.runId, { fromStep: "s3", dir });
    expect(forked).toEqual(["s1@1", "s2@1", "s3@2", "s4@2"]);
    expect(count).toEqual({ s1: 1, s2: 1, s3: 2, s4: 2 });
    const runs = await store.listRuns({ workflow: "forkable" });
    expect(runs).toHaveLength(2);
    const forkRun = await store.loadRun(runs[0]!.runId);
    expect(forkRun.header.forkOf).toEqual({ runId: source!.runId, fromStep: "s3" });
    await expect(wf.fork(source!.runId, { fromStep: "nope", dir })).rejects.toThrow(/has no step 'nope'; its steps are: s1, s2, s3, s4/);
    await store.close();
  });
});
