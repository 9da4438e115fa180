import * as fs from "node:fs";
import * as path from "node:path";
import { createFileStore } from "steplog";
import { afterEach, expect, it } from "vitest";
import { journal, runFile, runIds, tempDir } from "../fixtures/docs/run.js";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function dirs(): { state: string; out: string } {
  const t = tempDir();
  cleanup = t.remove;
  return { state: path.join(t.dir, "state"), out: path.join(t.dir, "out") };
}

it("runs to completion and writes its output", async () => {
  const { state, out } = dirs();
  const ran = await runFile("templates/cron-job.mjs", ["--input", '{"day":"2026-11-22"}'], { env: { STEPLOG_DIR: state, CRON_JOB_OUT_DIR: out } });
  expect(ran.code).toBe(0);
  expect(JSON.parse(ran.stdout)).toMatchObject({ day: "2026-11-22", total: 8 });
  expect(JSON.parse(fs.readFileSync(path.join(out, "2026-11-22.json"), "utf8")).total).toBe(8);
});

it("skips with exit 0 and says so while another process holds the lock", async () => {
  const { state, out } = dirs();
  const store = createFileStore({ dir: state });
  const lease = await store.lock("cron-job", "cron-job", { onLocked: "fail" });
  if ("busy" in lease) throw new Error("the lock should be free");
  try {
    const ran = await runFile("templates/cron-job.mjs", [], { env: { STEPLOG_DIR: state, CRON_JOB_OUT_DIR: out } });
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(new RegExp(`already running \\(pid ${process.pid} `));
    expect(ran.stderr).toContain("skipped");
    expect(runIds(state, "cron-job")).toEqual([]);
    expect(fs.existsSync(out)).toBe(false);
  } finally {
    await lease.release();
  }
  const after = await runFile("templates/cron-job.mjs", [], { env: { STEPLOG_DIR: state, CRON_JOB_OUT_DIR: out } });
  expect(after.code).toBe(0);
  expect(runIds(state, "cron-job")).toHaveLength(1);
});

it("a start after a failed run resumes it with its recorded input and day", async () => {
  const { state, out } = dirs();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, "a file where the output directory should be");
  const failed = await runFile("templates/cron-job.mjs", [], { env: { STEPLOG_DIR: state, CRON_JOB_OUT_DIR: out } });
  expect(failed.code).toBe(30);
  expect(failed.stderr).toMatch(/✗ load failed after 4 attempts/);
  fs.rmSync(out);
  const resumed = await runFile("templates/cron-job.mjs", [], { env: { STEPLOG_DIR: state, CRON_JOB_OUT_DIR: out } });
  expect(resumed.code).toBe(0);
  expect(resumed.stderr).toContain("↺ extract (replayed)");
  const [runId] = runIds(state, "cron-job");
  expect(runIds(state, "cron-job")).toEqual([runId]);
  const day = JSON.parse(resumed.stdout).day as string;
  expect(fs.existsSync(path.join(out, `${day}.json`))).toBe(true);
  const keys = journal(state, "cron-job", runId!).filter((r) => r.type === "step").map((r) => r.key);
  expect(keys.filter((k) => k === "extract")).toHaveLength(1);
}, 30_000);

it("sends an alert configured from env when a step fails for good", async () => {
  const { state, out } = dirs();
  const http = await import("node:http");
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push(body);
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  try {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, "not a directory");
    const ran = await runFile("templates/cron-job.mjs", [], {
      env: { STEPLOG_DIR: state, CRON_JOB_OUT_DIR: out, STEPLOG_WEBHOOK_URL: `http://127.0.0.1:${port}/alerts` },
    });
    expect(ran.code).toBe(30);
    const kinds = received.map((b) => (JSON.parse(b) as { kind: string }).kind).sort();
    expect(kinds).toEqual(["dead-letter", "run-failed"]);
  } finally {
    server.close();
  }
}, 30_000);
