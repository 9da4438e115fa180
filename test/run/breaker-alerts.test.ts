import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileStore } from "../../src/index.js";
import { runFixture, sinkLines, tempDir } from "../waits/harness.js";

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("circuit breaker across processes", () => {
  it("opens after its threshold and the next process fails fast without calling the service", async () => {
    let hits = 0;
    const url = await serve((_req, res) => {
      hits++;
      res.writeHead(500).end("down");
    });
    const dir = tempDir();
    const sink = path.join(dir, "sink.txt");
    const env = { STEPLOG_DIR: dir, SINK: sink, API_URL: url };
    const first = await runFixture(path.join("..", "run", "breaker.mjs"), [], env);
    expect(first.code).toBe(30);
    expect(hits).toBe(3); // retries: 2 → 3 attempts, all reaching the service, which opens the circuit
    const store = createFileStore({ dir });
    const state = await store.breakers.load("rates-api");
    expect(state?.state).toBe("open");
    expect(state!.openUntil).toBeGreaterThan(Date.now() + 500_000);

    const second = await runFixture(path.join("..", "run", "breaker.mjs"), [], env);
    expect(second.code).toBe(30);
    expect(second.stderr).toMatch(/circuit 'rates-api' is open until/);
    expect(hits).toBe(3); // not called again
    expect(sinkLines(sink)).toHaveLength(3);
    await store.close();
  });
});

describe("alerts", () => {
  it("posts a run failure and a dead-letter entry to the webhook", async () => {
    const received: Record<string, unknown>[] = [];
    const webhook = await serve((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    const api = await serve((_req, res) => res.writeHead(500).end());
    const dir = tempDir();
    const result = await runFixture(path.join("..", "run", "breaker.mjs"), [], {
      STEPLOG_DIR: dir, SINK: path.join(dir, "sink"), API_URL: api, STEPLOG_WEBHOOK_URL: webhook,
    });
    expect(result.code).toBe(30);
    expect(received.map((r) => r.kind).sort()).toEqual(["dead-letter", "run-failed"]);
    expect(received.find((r) => r.kind === "dead-letter")).toMatchObject({ workflow: "rates", stepKey: "fetch rates" });
  });

  it("an alert endpoint that hangs delays the exit by no more than the alert timeout", async () => {
    const webhook = await serve(() => undefined); // accepts, never answers
    const api = await serve((_req, res) => res.writeHead(500).end());
    const dir = tempDir();
    const started = Date.now();
    const result = await runFixture(path.join("..", "run", "breaker.mjs"), [], {
      STEPLOG_DIR: dir, SINK: path.join(dir, "sink"), API_URL: api, STEPLOG_WEBHOOK_URL: webhook, STEPLOG_ALERT_TIMEOUT_MS: "300",
    });
    expect(result.code).toBe(30);
    expect(Date.now() - started).toBeLessThan(10_000); // bounded by the 300 ms alert timeout, not by the endpoint
  });
});
