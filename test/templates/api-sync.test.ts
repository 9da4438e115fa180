import * as http from "node:http";
import { afterEach, expect, it } from "vitest";
import { runFile, runIds, tempDir } from "../fixtures/docs/run.js";

interface Seen {
  method: string;
  url: string;
  key: string | undefined;
  body: string;
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

/** A local HTTP API; `handle` answers each request, or returns "hang" to never answer. */
async function api(handle: (req: Seen, nth: number) => { status: number; body?: unknown; headers?: Record<string, string> } | "hang") {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const request: Seen = { method: req.method!, url: req.url!, key: req.headers["idempotency-key"] as string | undefined, body };
      seen.push(request);
      const answer = handle(request, seen.filter((s) => s.method === request.method && s.url === request.url).length);
      if (answer === "hang") return;
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => server.close());
  cleanups.push(() => server.closeAllConnections());
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen };
}

function stateDir(): string {
  const t = tempDir();
  cleanups.push(t.remove);
  return t.dir;
}

const RECORDS = [{ id: "a", n: 1 }, { id: "b", n: 2 }, { id: "c", n: 3 }];

it("syncs through a flaky API: a hung call times out, 503 and 500 are retried, each push carries a stable idempotency key", async () => {
  const server = await api((req, nth) => {
    if (req.method === "GET" && req.url.startsWith("/records")) {
      if (nth === 1) return "hang";
      if (nth === 2) return { status: 503, headers: { "retry-after": "0" } };
      return { status: 200, body: RECORDS };
    }
    if (req.method === "PUT" && req.url === "/sync/b" && nth === 1) return { status: 500, body: { error: "boom" } };
    if (req.method === "PUT") return { status: 200, body: { ok: true } };
    if (req.method === "POST" && req.url === "/cursor") return { status: 204 };
    return { status: 404 };
  });
  const dir = stateDir();
  const ran = await runFile("templates/api-sync.mjs", ["--input", '{"since":"2026-11-01"}'], {
    env: { STEPLOG_DIR: dir, API_URL: server.url, API_TIMEOUT_MS: "300" },
  });
  expect(ran.stderr).toContain("completed");
  expect(ran.code).toBe(0);
  expect(JSON.parse(ran.stdout)).toEqual({ since: "2026-11-01", pushed: 3 });
  expect(ran.stderr).toMatch(/fetch changes attempt 1 failed: step 'fetch changes' timed out after 300 ms/);
  expect(ran.stderr).toMatch(/fetch changes attempt 2 failed: GET \/records\?since=2026-11-01: HTTP 503/);
  expect(server.seen.filter((s) => s.method === "GET").map((s) => s.url)).toEqual(Array(3).fill("/records?since=2026-11-01"));

  const [runId] = runIds(dir, "api-sync");
  const puts = server.seen.filter((s) => s.method === "PUT");
  expect(puts.map((s) => s.url).sort()).toEqual(["/sync/a", "/sync/b", "/sync/b", "/sync/c"]);
  for (const put of puts) {
    const index = RECORDS.findIndex((r) => put.url === `/sync/${r.id}`);
    expect(put.key).toBe(`${runId}:push[${index}]`);
    expect(JSON.parse(put.body)).toEqual(RECORDS[index]);
  }
  const cursor = server.seen.find((s) => s.method === "POST");
  expect(cursor?.key).toBe(`${runId}:save cursor`);
  expect(JSON.parse(cursor!.body)).toEqual({ since: "2026-11-01", count: 3 });
});

it("a 4xx answer fails the step at once (TerminalError, no retries) and exits 30", async () => {
  const server = await api(() => ({ status: 401, body: { error: "bad token" } }));
  const ran = await runFile("templates/api-sync.mjs", [], { env: { STEPLOG_DIR: stateDir(), API_URL: server.url } });
  expect(ran.code).toBe(30);
  expect(ran.stderr).toMatch(/✗ fetch changes failed after 1 attempt: GET \/records\?since=1970-01-01: HTTP 401/);
  expect(server.seen).toHaveLength(1);
});

it("without API_URL it says what to set and exits 30", async () => {
  const ran = await runFile("templates/api-sync.mjs", [], { env: { STEPLOG_DIR: stateDir(), API_URL: undefined } });
  expect(ran.code).toBe(30);
  expect(ran.stderr).toContain("set API_URL");
});
