import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, expect, it } from "vitest";
import { journal, runFile, runIds, tempDir } from "../fixtures/docs/run.js";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

it("migrates every row exactly once across a SIGKILL in the middle", async () => {
  const t = tempDir();
  cleanup = t.remove;
  const env = { STEPLOG_DIR: path.join(t.dir, "state") };
  const work = path.join(t.dir, "work");
  const input = JSON.stringify({ rows: 6000, batchSize: 100, work });
  const first = await runFile("examples/data-migration/migrate.mjs", ["--input", input, "--log", "plain"], { env, killWhen: /✓ batch 3\/60 / });
  expect(first.signal).toBe("SIGKILL");
  const [runId] = runIds(env.STEPLOG_DIR, "data-migration");
  const recorded = journal(env.STEPLOG_DIR, "data-migration", runId!).filter((r) => r.type === "step" && String(r.key).startsWith("batch ")).length;
  expect(recorded).toBeGreaterThanOrEqual(3);
  expect(recorded).toBeLessThan(60);
  expect(fs.existsSync(path.join(work, "target", "manifest.json"))).toBe(false);

  const second = await runFile("examples/data-migration/migrate.mjs", [], { env });
  expect(second.code).toBe(0);
  expect(second.stderr).toContain("↺ batch 3/60 (replayed)");
  expect(JSON.parse(second.stdout)).toEqual({ target: path.join(work, "target"), rows: 6000, batches: 60 });
  const keys = journal(env.STEPLOG_DIR, "data-migration", runId!).filter((r) => r.type === "step").map((r) => r.key);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys).toHaveLength(63);
  const ids = fs.readdirSync(path.join(work, "target")).filter((f) => f.startsWith("part-"))
    .flatMap((f) => fs.readFileSync(path.join(work, "target", f), "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { id: number }).id));
  expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));
  const row = JSON.parse(fs.readFileSync(path.join(work, "target", "part-00000.jsonl"), "utf8").split("\n")[1]!) as Record<string, unknown>;
  expect(row).toEqual({ id: 2, first: "Grace", last: "Hopper", email: "user2@example.com" });
});

it("a row that cannot be migrated fails its batch for good (exit 30) and names the row", async () => {
  const t = tempDir();
  cleanup = t.remove;
  const source = path.join(t.dir, "users.jsonl");
  fs.writeFileSync(source, '{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}\n{"id":2,"name":"No Mail","email":null}\n');
  const ran = await runFile("examples/data-migration/migrate.mjs", ["--input", JSON.stringify({ source, target: path.join(t.dir, "out") })], {
    env: { STEPLOG_DIR: path.join(t.dir, "state") },
  });
  expect(ran.code).toBe(30);
  expect(ran.stderr).toContain("row 2: invalid email null");
});
