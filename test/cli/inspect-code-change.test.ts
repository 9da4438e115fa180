import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runFixture, sinkLines, tempDir } from "../waits/harness.js";

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "cli", "main.js");

describe("inspect after a code change under an unfinished run", () => {
  it("shows the changed code hash and the steps the new code no longer reaches", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const old = await runFixture(path.join("..", "waits", "patched.mjs"), [], { STEPLOG_DIR: dir, SINK: sink, VERSION: "1", CRASH_IN: "c" });
    expect(old.signal).toBe("SIGKILL");
    // The new code drops step "b": tolerant replay runs a, skips the recorded b, and runs c.
    const script = path.join(dir, "changed.mjs");
    const source = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "waits", "patched.mjs"), "utf8");
    fs.writeFileSync(script, source.replace(`  await ctx.step("b", step("b"));\n`, "").replace(`from "steplog"`, `from ${JSON.stringify(path.resolve("dist/index.js"))}`));
    const resumed = spawnSync(process.execPath, [script], { env: { ...process.env, STEPLOG_DIR: dir, SINK: sink }, encoding: "utf8" });
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toContain("recorded calls the code no longer reaches (kept in the journal): 'b'");
    expect(sinkLines(sink)).toEqual(["a", "b", "c", "c"]);
    const runId = fs.readdirSync(path.join(dir, "runs", "patched-flow")).find((f) => f.endsWith(".jsonl") && f !== "index.jsonl")!.slice(0, 26);
    const inspect = spawnSync(process.execPath, [CLI, "inspect", runId, "--dir", dir], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(inspect.status).toBe(0);
    expect(inspect.stdout).toMatch(/code hash\s+[0-9a-f]{16} -> [0-9a-f]{16} \(the workflow code changed while this run was in flight/);
    expect(inspect.stdout).toContain("orphaned: 'b'");
  });
});
