import { afterEach, expect, it } from "vitest";
import { journal, runFile, runIds, tempDir } from "../fixtures/docs/run.js";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

it("runs, and a rerun with --key of a completed run prints the recorded result without executing a step", async () => {
  const t = tempDir();
  cleanup = t.remove;
  const env = { STEPLOG_DIR: t.dir };
  const first = await runFile("examples/quickstart/sync.mjs", ["--input", '{"rows":["a","b","c"]}', "--key", "day-1"], { env });
  expect(first.code).toBe(0);
  const result = JSON.parse(first.stdout) as { count: number; at: string };
  expect(result.count).toBe(3);
  const [runId] = runIds(t.dir, "sync");
  expect(journal(t.dir, "sync", runId!).filter((r) => r.type === "step").map((r) => r.key).sort()).toEqual(["fetch", "parse", "store", "store#2", "store#3"]);

  const again = await runFile("examples/quickstart/sync.mjs", ["--key", "day-1"], { env });
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout)).toEqual(result);
  expect(again.stderr).toContain(`run ${runId} already completed`);
  expect(again.stderr).not.toContain("✓");
  expect(runIds(t.dir, "sync")).toEqual([runId]);
});
