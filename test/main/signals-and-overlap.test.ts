import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createFileStore } from "../../src/index.js";
import { runFixture, sinkLines, startFixture, tempDir, until } from "../waits/harness.js";

const fixture = path.join("..", "main", "slow-steps.mjs");

describe("SIGTERM and SIGINT", () => {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    it(`${signal} during a step aborts it, releases the lock, exits ${code}, and the run resumes`, async () => {
      const dir = tempDir();
      const sink = path.join(dir, "sink.txt");
      const hold = path.join(dir, "hold");
      fs.writeFileSync(hold, "");
      const env = { STEPLOG_DIR: dir, SINK: sink, HOLD: hold };
      const { child, done } = startFixture(fixture, [], env);
      await until(() => sinkLines(sink).some((l) => l.startsWith("hold")));
      child.kill(signal);
      const stopped = await done;
      expect(stopped.code).toBe(code);
      expect(stopped.stderr).toContain("rerun the same command to resume it");
      expect(fs.readdirSync(path.join(dir, "locks")).filter((f) => !f.endsWith(".epoch"))).toEqual([]);

      fs.rmSync(hold);
      const resumed = await runFixture(fixture, [], env);
      expect(resumed.code).toBe(0);
      expect(resumed.stderr).toContain("↺ one (replayed)");
      const lines = sinkLines(sink).map((l) => l.split(" ")[0]);
      expect(lines).toEqual(["one", "hold", "hold", "two"]);
    });
  }
});

describe("overlapping starts", () => {
  it("a second start while the first runs is skipped with exit 0 and says who holds the lock", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const hold = path.join(dir, "hold");
    fs.writeFileSync(hold, "");
    const env = { STEPLOG_DIR: dir, SINK: sink, HOLD: hold };
    const first = startFixture(fixture, [], env);
    await until(() => sinkLines(sink).some((l) => l.startsWith("hold")));
    const second = await runFixture(fixture, [], env);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`already running \\(pid ${first.child.pid} on .* since \\d{4}-`));
    const failing = await runFixture(fixture, [], { ...env, ON_LOCKED: "fail" });
    expect(failing.code).toBe(70);
    fs.rmSync(hold);
    expect((await first.done).code).toBe(0);
    expect(sinkLines(sink).map((l) => l.split(" ")[0])).toEqual(["one", "hold", "two"]);
  });

  it("50 processes started at once: exactly one executes the body, the other 49 skip", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const hold = path.join(dir, "hold");
    fs.writeFileSync(hold, "");
    let exited = 0;
    const starts = Array.from({ length: 50 }, () => {
      const started = startFixture(fixture, [], { STEPLOG_DIR: dir, SINK: sink, HOLD: hold });
      void started.done.then(() => exited++);
      return started.done;
    });
    await until(() => exited === 49, 90_000); // the holder keeps holding until every other start has given up
    fs.rmSync(hold);
    const results = await Promise.all(starts);
    expect(results.map((r) => r.code)).toEqual(new Array(50).fill(0));
    expect(results.filter((r) => r.stderr.includes("already running"))).toHaveLength(49);
    const lines = sinkLines(sink);
    expect(lines.map((l) => l.split(" ")[0])).toEqual(["one", "hold", "two"]);
    expect(new Set(lines.map((l) => l.split(" ")[1])).size).toBe(1);
    const store = createFileStore({ dir });
    expect((await store.listRuns({ workflow: "slow-steps" })).map((r) => r.status)).toEqual(["completed"]);
    await store.close();
  }, 120_000);
});
