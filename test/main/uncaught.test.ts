import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runFixture, sinkLines, tempDir } from "../waits/harness.js";

const fixture = path.join("..", "main", "detached-crash.mjs");

describe("an uncaught error outside any step", () => {
  it("stops the run with exit 20, releases the lock, and a rerun resumes it", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const crashed = await runFixture(fixture, ["--json"], { STEPLOG_DIR: dir, SINK: sink, CRASH: "1" });
    expect(crashed.code).toBe(20);
    expect(crashed.stderr).toContain("uncaught error outside any step: Error: forgotten promise blew up");
    expect(JSON.parse(crashed.stdout)).toMatchObject({ ok: false, status: "failed", exitCode: 20, error: { message: "forgotten promise blew up" } });
    expect(fs.readdirSync(path.join(dir, "locks")).filter((f) => f.endsWith(".lock"))).toEqual([]);

    const resumed = await runFixture(fixture, [], { STEPLOG_DIR: dir, SINK: sink });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("one (replayed)");
    expect(sinkLines(sink)).toEqual(["one", "two", "two"]);
  });
});
