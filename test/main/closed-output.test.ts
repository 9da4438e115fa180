import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../src/journal/reader.js";
import { sinkLines, tempDir } from "../waits/harness.js";

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/main/slow-steps.mjs");

/** Runs the fixture with stdout and stderr pipes whose reading ends are closed at once (every write fails, EPIPE). */
function runWithClosedOutput(env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.destroy();
  child.stderr!.destroy();
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

describe("a script whose output nobody reads any more", () => {
  it("completes its run: a closed stdout or stderr (EPIPE) loses the lines, not the run", async () => {
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const code = await runWithClosedOutput({ STEPLOG_DIR: dir, SINK: sink });
    expect(code).toBe(0);
    expect(sinkLines(sink).map((line) => line.split(" ")[0])).toEqual(["one", "hold", "two"]);
    const runsDir = path.join(dir, "runs", "slow-steps");
    const [journal] = fs.readdirSync(runsDir).filter((f) => f.endsWith(".jsonl") && f !== "index.jsonl");
    const records = readJournal(path.join(runsDir, journal!)).records;
    expect(records.at(-1)).toMatchObject({ type: "end", status: "completed" });
  });
});
