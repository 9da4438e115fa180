import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StepFailedError, TerminalError, UsageError, workflow, type WorkflowContext } from "../../src/index.js";
import { journalFiles } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

function counted(dir: string) {
  const calls: string[] = [];
  let failOnce = false;
  const wf = workflow("report", async (ctx: WorkflowContext, input: { day: string }) => {
    const rows = await ctx.step("fetch", () => (calls.push("fetch"), [1, 2, 3]));
    const sent = await ctx.step("send", () => {
      calls.push("send");
      if (failOnce) {
        failOnce = false;
        throw new TerminalError("mail server said no");
      }
      return { count: rows.length, at: new Date("2026-11-22T06:00:00Z") };
    }, { retry: false });
    return { day: input.day, ...sent };
  }, { dir, durability: "process" });
  return { wf, calls, failNextSend: () => (failOnce = true) };
}

describe("wf.run(input, { key })", () => {
  it("returns the recorded result for a completed key without executing anything", async () => {
    const dir = path.join(tempDir("run"), "state");
    const { wf, calls } = counted(dir);
    const first = await wf.run({ day: "2026-11-22" }, { key: "2026-11-22" });
    expect(first).toEqual({ day: "2026-11-22", count: 3, at: new Date("2026-11-22T06:00:00Z") });
    expect(calls).toEqual(["fetch", "send"]);

    const again = await wf.run({ day: "2026-11-22" }, { key: "2026-11-22" });
    expect(again).toEqual(first);
    expect(again.at).toBeInstanceOf(Date);
    expect(calls).toEqual(["fetch", "send"]);
    expect(journalFiles(dir, "report")).toHaveLength(1);

    await wf.run({ day: "2026-11-23" }, { key: "2026-11-23" });
    expect(calls).toEqual(["fetch", "send", "fetch", "send"]);
  });

  it("resumes an unfinished run of the key: recorded steps are not executed again", async () => {
    const dir = path.join(tempDir("run"), "state");
    const { wf, calls, failNextSend } = counted(dir);
    failNextSend();
    const error = await wf.run({ day: "d" }, { key: "d" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect(calls).toEqual(["fetch", "send"]);

    expect(await wf.run({ day: "d" }, { key: "d" })).toMatchObject({ day: "d", count: 3 });
    expect(calls).toEqual(["fetch", "send", "send"]);
    expect(journalFiles(dir, "report")).toHaveLength(1);
  });

  it("refuses a different input for an unfinished key, and resumes by run id", async () => {
    const dir = path.join(tempDir("run"), "state");
    const { wf, calls, failNextSend } = counted(dir);
    failNextSend();
    await expect(wf.run({ day: "a" }, { key: "k" })).rejects.toBeInstanceOf(StepFailedError);
    const refused = await wf.run({ day: "b" }, { key: "k" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toContain("different input");
    const runId = path.basename(journalFiles(dir, "report")[0]!, ".jsonl");
    expect(await wf.run({ day: "a" }, { runId })).toMatchObject({ day: "a" });
    expect(calls).toEqual(["fetch", "send", "send"]);
  });

  it("without a key starts a new run every call", async () => {
    const dir = path.join(tempDir("run"), "state");
    const { wf, calls } = counted(dir);
    await wf.run({ day: "x" });
    await wf.run({ day: "x" });
    expect(calls).toEqual(["fetch", "send", "fetch", "send"]);
    expect(journalFiles(dir, "report")).toHaveLength(2);
  });
});
