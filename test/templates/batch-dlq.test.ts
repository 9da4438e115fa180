import * as fs from "node:fs";
import * as path from "node:path";
import { createFileStore } from "steplog";
import { afterEach, expect, it } from "vitest";
import { runFile, tempDir } from "../fixtures/docs/run.js";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

it("dead-letters the failed items, completes the rest, and redrives them once fixed", async () => {
  const t = tempDir();
  cleanup = t.remove;
  const state = path.join(t.dir, "state");
  fs.mkdirSync(path.join(t.dir, "orders"));
  fs.writeFileSync(path.join(t.dir, "orders/1.json"), '{"amount":5}');
  fs.writeFileSync(path.join(t.dir, "orders/2.json"), "not json");
  const items = ["orders/1.json", "orders/2.json", "orders/3.json"];
  const env = { STEPLOG_DIR: state };

  const first = await runFile("templates/batch-dlq.mjs", ["--input", JSON.stringify({ items })], { env, cwd: t.dir });
  expect(first.code).toBe(0);
  const result = JSON.parse(first.stdout) as { succeeded: number; total: number; failed: { item: string; step: string }[] };
  expect(result.succeeded).toBe(1);
  expect(result.total).toBe(5);
  expect(result.failed.map((f) => [f.item, f.step])).toEqual([["orders/2.json", "item[1]"], ["orders/3.json", "item[2]"]]);
  expect(first.stderr).toMatch(/✗ item\[1\] failed after 1 attempt: orders\/2.json is not valid JSON/);
  expect(first.stderr).toMatch(/✗ item\[2\] failed after 3 attempts: ENOENT/);

  const store = createFileStore({ dir: state });
  const open = await store.dlq.list({ workflow: "batch-dlq", status: "open" });
  expect(open.map((e) => e.stepKey).sort()).toEqual(["item[1]", "item[2]"]);

  fs.writeFileSync(path.join(t.dir, "orders/2.json"), '{"amount":7}');
  const redrive = await runFile("templates/batch-dlq.mjs", ["--fresh", "--input", '{"redrive":true}'], { env, cwd: t.dir });
  expect(redrive.code).toBe(0);
  const second = JSON.parse(redrive.stdout) as { succeeded: number; total: number; failed: { item: string }[] };
  expect(second.succeeded).toBe(1);
  expect(second.total).toBe(7);
  expect(second.failed.map((f) => f.item)).toEqual(["orders/3.json"]);
  const redriven = await store.dlq.list({ workflow: "batch-dlq", status: "redriven" });
  expect(redriven.map((e) => e.id).sort()).toEqual(open.map((e) => e.id).sort());
  const stillOpen = await store.dlq.list({ workflow: "batch-dlq", status: "open" });
  expect(stillOpen).toHaveLength(1);
  expect(stillOpen[0]!.runId).not.toBe(open[0]!.runId);

  fs.writeFileSync(path.join(t.dir, "orders/3.json"), '{"amount":1}');
  const last = await runFile("templates/batch-dlq.mjs", ["--fresh", "--input", '{"redrive":true}'], { env, cwd: t.dir });
  expect(last.code).toBe(0);
  expect(JSON.parse(last.stdout)).toEqual({ succeeded: 1, total: 1, failed: [] });
  expect(await store.dlq.list({ workflow: "batch-dlq", status: "open" })).toEqual([]);
});
