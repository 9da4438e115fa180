import * as http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeTemps, runScript, startUi, tempState, type UiProcess } from "./helpers.js";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("steplog ui: actions are protected against cross-site requests", () => {
  let ui: UiProcess;
  let runId: string;
  let token: string;
  let origin: string;

  beforeAll(async () => {
    const { dir } = tempState();
    expect((await runScript("approval", dir, ["--input", '{"title":"t"}'])).code).toBe(40);
    ui = await startUi(dir);
    origin = ui.url.replace(/\/$/, "");
    const page = await request(ui.url);
    token = /<meta name="steplog-token" content="([0-9a-f]{64})">/.exec(page.body)?.[1] ?? "";
    const runs = JSON.parse((await request(`${origin}/api/runs`)).body) as { runs: { runId: string }[] };
    runId = runs.runs[0]!.runId;
  });
  afterAll(async () => {
    await ui?.stop();
    removeTemps();
  });

  const send = (headers: Record<string, string>, body = '{"event":"approve","data":{"ok":true}}') =>
    request(`${origin}/api/runs/${runId}/send`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });
  const pending = async () => (JSON.parse((await request(`${origin}/api/runs/${runId}`)).body) as { pendingEvents: unknown[] }).pendingEvents.length;

  it("listens on 127.0.0.1 and serves the page with a strict Content-Security-Policy and a token", async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await request(ui.url);
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["content-security-policy"]).not.toContain("unsafe-inline");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(token).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses an action without the token, or with a wrong one (403)", async () => {
    expect((await send({ Origin: origin })).status).toBe(403);
    expect((await send({ Origin: origin, "X-Steplog-Token": "0".repeat(64) })).status).toBe(403);
    expect((await request(`${origin}/api/runs/${runId}/cancel`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).status).toBe(403);
    expect(await pending()).toBe(0);
  });

  it("refuses an action from another origin even with the token (403)", async () => {
    const answer = await send({ Origin: "http://evil.example", "X-Steplog-Token": token });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: expect.stringContaining("another origin") });
    expect((await send({ Origin: origin, "Sec-Fetch-Site": "cross-site", "X-Steplog-Token": token })).status).toBe(403);
    expect(await pending()).toBe(0);
  });

  it("refuses a request naming another Host (DNS rebinding), reads included (403)", async () => {
    expect((await request(`${origin}/api/runs`, { headers: { Host: "evil.example" } })).status).toBe(403);
    expect((await send({ Host: "evil.example", Origin: "http://evil.example", "X-Steplog-Token": token })).status).toBe(403);
  });

  it("takes JSON bodies only (415) and refuses malformed ones (400)", async () => {
    expect((await send({ Origin: origin, "X-Steplog-Token": token, "Content-Type": "text/plain" })).status).toBe(415);
    expect((await send({ Origin: origin, "X-Steplog-Token": token }, "{nope")).status).toBe(400);
    expect(await pending()).toBe(0);
  });

  it("accepts an action with the token from its own origin", async () => {
    const answer = await send({ Origin: origin, "X-Steplog-Token": token });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: true, messageId: expect.any(String) });
    expect(await pending()).toBe(1);
  });
});
