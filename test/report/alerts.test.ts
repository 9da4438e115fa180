import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { alertOptionsFromEnv, createAlerter, mergeAlertOptions, type AlertEvent, type AlertOptions } from "../../src/report/alerts.js";

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const NTFY_TOKEN = "tk_ntfysecret0123456789";
const BOT_TOKEN = "123456789:AAE-botsecret_987";
const HOOK_KEY = "hook-key-secret-42";

const event: AlertEvent = {
  kind: "run-failed",
  workflow: "billing",
  runId: "01J0RUN",
  title: "billing failed",
  message: "step charge: card declined",
  stepKey: "charge",
  error: { name: "TerminalError", message: "card declined" },
  at: 1_700_000_000_000,
};

/** A stand-in for ntfy, a webhook receiver and the Telegram Bot API, chosen by path. */
let server: Server;
let base: string;
const received: Received[] = [];

function answer(request: Received, res: ServerResponse): void {
  if (request.url.startsWith("/hang")) return; // accept, never respond
  if (request.url.startsWith("/slow-body")) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.write("partial");
    return;
  }
  if (request.url.startsWith("/moved")) {
    res.writeHead(301, { location: "/hook" }).end();
    return;
  }
  if (request.url.startsWith("/fail")) {
    res.writeHead(500, { "content-type": "text/plain" }).end("boom\n");
    return;
  }
  if (request.url.startsWith("/echo")) {
    const description = `rejected ${request.url} with ${request.headers.authorization ?? "no auth"}`;
    res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ ok: false, description }));
    return;
  }
  res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      received.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  received.length = 0;
});

function receivedAt(prefix: string): Received {
  const matches = received.filter((request) => request.url.startsWith(prefix));
  expect(matches).toHaveLength(1);
  return matches[0]!;
}

function allChannels(overrides: Partial<Record<"ntfy" | "webhook" | "telegram", string>> = {}): AlertOptions {
  return {
    ntfy: { url: `${base}${overrides.ntfy ?? "/ntfy/alerts"}`, token: NTFY_TOKEN, priority: 5 },
    webhook: { url: `${base}${overrides.webhook ?? "/hook"}`, headers: { "X-Api-Key": HOOK_KEY } },
    telegram: { botToken: BOT_TOKEN, chatId: "-100123", apiBaseUrl: `${base}${overrides.telegram ?? "/tg"}` },
  };
}

describe("delivery", () => {
  it("sends each channel the right method, path, headers and body", async () => {
    const results = await createAlerter(allChannels()).send(event);

    expect(results.map(({ channel, ok, status }) => ({ channel, ok, status }))).toEqual([
      { channel: "ntfy", ok: true, status: 200 },
      { channel: "webhook", ok: true, status: 200 },
      { channel: "telegram", ok: true, status: 200 },
    ]);
    const ntfy = receivedAt("/ntfy");
    expect(ntfy).toMatchObject({ method: "POST", url: "/ntfy/alerts", body: event.message });
    expect(ntfy.headers).toMatchObject({ title: event.title, priority: "5", tags: "rotating_light", authorization: `Bearer ${NTFY_TOKEN}` });

    const hook = receivedAt("/hook");
    expect(hook).toMatchObject({ method: "POST", url: "/hook" });
    expect(hook.headers).toMatchObject({ "content-type": "application/json", "x-api-key": HOOK_KEY });
    expect(JSON.parse(hook.body)).toEqual(event);

    const telegram = receivedAt("/tg");
    expect(telegram).toMatchObject({ method: "POST", url: `/tg/bot${BOT_TOKEN}/sendMessage` });
    expect(telegram.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(telegram.body)).toEqual({ chat_id: "-100123", text: `${event.title}\n\n${event.message}` });
  });

  it("puts each token only where it belongs", async () => {
    await createAlerter(allChannels()).send(event);
    const ntfy = receivedAt("/ntfy");
    const hook = receivedAt("/hook");
    const telegram = receivedAt("/tg");
    const everything = (request: Received) => JSON.stringify(request);

    expect(everything(hook)).not.toContain(NTFY_TOKEN);
    expect(everything(telegram)).not.toContain(NTFY_TOKEN);
    expect(JSON.stringify({ url: ntfy.url, body: ntfy.body })).not.toContain(NTFY_TOKEN);
    expect(everything(ntfy)).not.toContain(BOT_TOKEN);
    expect(everything(hook)).not.toContain(BOT_TOKEN);
    expect(JSON.stringify({ headers: telegram.headers, body: telegram.body })).not.toContain(BOT_TOKEN);
    expect(everything(ntfy)).not.toContain(HOOK_KEY);
    expect(everything(telegram)).not.toContain(HOOK_KEY);
    expect(hook.headers.authorization).toBeUndefined();
    expect(telegram.headers.authorization).toBeUndefined();
  });

  it("keeps the webhook's content-type application/json whatever the extra headers say", async () => {
    await createAlerter({ webhook: { url: `${base}/hook`, headers: { "Content-Type": "text/plain" } } }).send(event);

    expect(receivedAt("/hook").headers["content-type"]).toBe("application/json");
  });

  it("uses priority 4, a tag per kind and no Authorization by default for ntfy", async () => {
    const alerter = createAlerter({ ntfy: { url: `${base}/ntfy/alerts` } });
    await alerter.send({ ...event, kind: "dead-letter" });
    await alerter.send({ ...event, kind: "abnormal-exit", exitCode: 143 });
    const [deadLetter, abnormal] = received;

    expect(deadLetter?.headers).toMatchObject({ priority: "4", tags: "warning" });
    expect(deadLetter?.headers.authorization).toBeUndefined();
    expect(abnormal?.headers).toMatchObject({ priority: "4", tags: "skull" });
  });

  it("sends a non-ASCII or multi-line ntfy title as one RFC 2047 encoded word", async () => {
    await createAlerter({ ntfy: { url: `${base}/ntfy/alerts` } }).send({ ...event, title: "Bericht für Köln ✓\r\nInjected: yes" });
    const title = receivedAt("/ntfy").headers.title;

    const encoded = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/.exec(String(title));
    expect(encoded).not.toBeNull();
    expect(Buffer.from(encoded![1]!, "base64").toString("utf8")).toBe("Bericht für Köln ✓ Injected: yes");
    expect(receivedAt("/ntfy").headers.injected).toBeUndefined();
  });

  it("cuts long messages to the channels' limits on a character boundary", async () => {
    const message = "é".repeat(5000);
    const alerter = createAlerter({ ntfy: { url: `${base}/ntfy/alerts` }, telegram: { botToken: BOT_TOKEN, chatId: "1", apiBaseUrl: `${base}/tg` } });
    await alerter.send({ ...event, message });
    const ntfyBody = receivedAt("/ntfy").body;
    const telegramText = (JSON.parse(receivedAt("/tg").body) as { text: string }).text;

    expect(Buffer.byteLength(ntfyBody)).toBeLessThanOrEqual(4096);
    expect(ntfyBody).toMatch(/^é+…$/);
    expect(telegramText.length).toBeLessThanOrEqual(4096);
    expect(telegramText.endsWith("é…")).toBe(true);
  });

  it("sends nothing for kinds left out of `on`, and sends the others", async () => {
    const alerter = createAlerter({ webhook: { url: `${base}/hook` }, on: ["dead-letter"] });

    expect(await alerter.send(event)).toEqual([]);
    expect(received).toHaveLength(0);
    expect((await alerter.send({ ...event, kind: "dead-letter" })).map((r) => r.ok)).toEqual([true]);
    expect(received).toHaveLength(1);
  });

  it("is disabled without channels and resolves [] without I/O", async () => {
    const alerter = createAlerter({ timeoutMs: 100 });

    expect(alerter.enabled).toBe(false);
    expect(await alerter.send(event)).toEqual([]);
    expect(received).toHaveLength(0);
    expect(createAlerter({ webhook: { url: `${base}/hook` } }).enabled).toBe(true);
  });
});

describe("failures", () => {
  it("gives up on an endpoint that never answers after timeoutMs and still delivers to the others", async () => {
    const started = performance.now();
    const results = await createAlerter({ ...allChannels({ ntfy: "/hang" }), timeoutMs: 200 }).send(event);
    const elapsed = performance.now() - started;

    expect(results[0]).toMatchObject({ channel: "ntfy", ok: false, error: "timed out after 200 ms" });
    expect(results[0]?.status).toBeUndefined();
    expect(results[0]?.ms).toBeGreaterThanOrEqual(150);
    expect(results.slice(1).map(({ channel, ok }) => ({ channel, ok }))).toEqual([
      { channel: "webhook", ok: true },
      { channel: "telegram", ok: true },
    ]);
    expect(received.map((request) => request.url.split("/")[1]).sort()).toEqual(["hang", "hook", "tg"]);
    expect(elapsed).toBeLessThan(5000);
  });

  it("gives up on a response whose body never ends", async () => {
    const [result] = await createAlerter({ webhook: { url: `${base}/slow-body` }, timeoutMs: 200 }).send(event);

    expect(result).toMatchObject({ channel: "webhook", ok: false, error: "timed out after 200 ms" });
  });

  it("reports a 500 with its status and the start of the body", async () => {
    const [result] = await createAlerter({ webhook: { url: `${base}/fail` } }).send(event);

    expect(result).toMatchObject({ channel: "webhook", ok: false, status: 500, error: "HTTP 500: boom" });
  });

  it("does not follow a redirect, which would turn the POST into a GET", async () => {
    const [result] = await createAlerter({ webhook: { url: `${base}/moved` } }).send(event);

    expect(result).toMatchObject({ ok: false, status: 301, error: "HTTP 301: redirect to /hook not followed; configure the final URL" });
    expect(received.map((request) => request.url)).toEqual(["/moved"]);
  });

  it("redacts tokens that a server echoes back in its error", async () => {
    const results = await createAlerter({
      ntfy: { url: `${base}/echo/ntfy`, token: NTFY_TOKEN },
      webhook: { url: `${base}/echo/hook`, headers: { Authorization: `Key ${HOOK_KEY}` } },
      telegram: { botToken: BOT_TOKEN, chatId: "1", apiBaseUrl: `${base}/echo` },
    }).send(event);

    expect(results.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(results[0]?.error).toBe("HTTP 401: rejected /echo/ntfy with Bearer [redacted]");
    expect(results[1]?.error).toBe("HTTP 401: rejected /echo/hook with [redacted]");
    expect(results[2]?.error).toBe("HTTP 401: rejected /echo/bot[redacted]/sendMessage with no auth");
  });

  it("reports a refused connection without rejecting", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const [result] = await createAlerter({ telegram: { botToken: BOT_TOKEN, chatId: "1", apiBaseUrl: `http://127.0.0.1:${port}` } }).send(event);

    expect(result).toMatchObject({ channel: "telegram", ok: false });
    expect(result?.error).toMatch(/^fetch failed: .*ECONNREFUSED/);
    expect(result?.error).not.toContain(BOT_TOKEN);
  });

  it("reports an event that cannot be serialized as a failed delivery instead of rejecting", async () => {
    const results = await createAlerter({ webhook: { url: `${base}/hook` } }).send({ ...event, exitCode: 1n as unknown as number });

    expect(results).toEqual([{ channel: "webhook", ok: false, error: expect.stringMatching(/BigInt/), ms: expect.any(Number) }]);
    expect(received).toHaveLength(0);
  });
});

describe("validation", () => {
  const url = "https://ntfy.sh/my-topic";
  it.each<[string, unknown, string]>([
    ["a non-http URL", { ntfy: { url: "ftp://ntfy.sh/t" } }, "`ntfy.url`"],
    ["a URL without a topic", { ntfy: { url: "https://ntfy.sh/" } }, "`ntfy.url`"],
    ["a URL with credentials", { webhook: { url: "https://user:pw@hooks.example.com/x" } }, "`webhook.url`"],
    ["a string that is not a URL", { webhook: { url: "hooks.example.com" } }, "`webhook.url`"],
    ["an empty ntfy token", { ntfy: { url, token: "" } }, "`ntfy.token`"],
    ["a bad priority", { ntfy: { url, priority: 7 } }, "`ntfy.priority`"],
    ["a header with a line break", { webhook: { url, headers: { "X-Key": "a\r\nInjected: 1" } } }, "`webhook.headers`"],
    ["a bad header name", { webhook: { url, headers: { "X Key": "a" } } }, "`webhook.headers`"],
    ["an empty bot token", { telegram: { botToken: "", chatId: "1" } }, "`telegram.botToken`"],
    ["a malformed chat id", { telegram: { botToken: BOT_TOKEN, chatId: "my chat" } }, "`telegram.chatId`"],
    ["a bad apiBaseUrl", { telegram: { botToken: BOT_TOKEN, chatId: "1", apiBaseUrl: "localhost" } }, "`telegram.apiBaseUrl`"],
    ["a zero timeout", { timeoutMs: 0 }, "`timeoutMs`"],
    ["a fractional timeout", { timeoutMs: 1.5 }, "`timeoutMs`"],
    ["an unknown kind", { on: ["run-failed", "oops"] }, "`on`"],
  ])("rejects %s with a UsageError naming the option", (_, options, name) => {
    expect(() => createAlerter(options as AlertOptions)).toThrow(UsageError);
    expect(() => createAlerter(options as AlertOptions)).toThrow(name);
  });

  it("never echoes a malformed token in the message", () => {
    const token = "not-a-bot-token-but-secret";
    let message = "";
    try {
      createAlerter({ telegram: { botToken: token, chatId: "1" } });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain("`telegram.botToken`");
    expect(message).not.toContain(token);
  });
});

describe("alertOptionsFromEnv", () => {
  it("reads every variable, trimmed", () => {
    const options = alertOptionsFromEnv({
      STEPLOG_NTFY_URL: " https://ntfy.sh/ops ",
      STEPLOG_NTFY_TOKEN: NTFY_TOKEN,
      STEPLOG_WEBHOOK_URL: "https://hooks.example.com/steplog",
      STEPLOG_TELEGRAM_BOT_TOKEN: `${BOT_TOKEN}\n`,
      STEPLOG_TELEGRAM_CHAT_ID: "@ops_channel",
      STEPLOG_ALERT_TIMEOUT_MS: "3000",
    });

    expect(options).toEqual({
      ntfy: { url: "https://ntfy.sh/ops", token: NTFY_TOKEN },
      webhook: { url: "https://hooks.example.com/steplog" },
      telegram: { botToken: BOT_TOKEN, chatId: "@ops_channel" },
      timeoutMs: 3000,
    });
  });

  it("treats unset and empty variables as no configuration", () => {
    expect(alertOptionsFromEnv({})).toEqual({});
    expect(alertOptionsFromEnv({ STEPLOG_NTFY_URL: "", STEPLOG_WEBHOOK_URL: "  ", STEPLOG_ALERT_TIMEOUT_MS: "" })).toEqual({});
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ["a token without its URL", { STEPLOG_NTFY_TOKEN: NTFY_TOKEN }, /`STEPLOG_NTFY_TOKEN` is set but `STEPLOG_NTFY_URL` is not/],
    ["a bot token without a chat id", { STEPLOG_TELEGRAM_BOT_TOKEN: BOT_TOKEN }, /`STEPLOG_TELEGRAM_CHAT_ID` is not/],
    ["a chat id without a bot token", { STEPLOG_TELEGRAM_CHAT_ID: "1" }, /`STEPLOG_TELEGRAM_BOT_TOKEN` is not/],
    ["a timeout with a unit", { STEPLOG_ALERT_TIMEOUT_MS: "5s" }, /`STEPLOG_ALERT_TIMEOUT_MS`.*got "5s"/],
    ["a timeout in exponent notation", { STEPLOG_ALERT_TIMEOUT_MS: "1e3" }, /`STEPLOG_ALERT_TIMEOUT_MS`.*got "1e3"/],
    ["a zero timeout", { STEPLOG_ALERT_TIMEOUT_MS: "0" }, /`STEPLOG_ALERT_TIMEOUT_MS`/],
    ["a bad URL", { STEPLOG_WEBHOOK_URL: "mailto:ops@example.com" }, /`STEPLOG_WEBHOOK_URL`/],
    ["a malformed bot token", { STEPLOG_TELEGRAM_BOT_TOKEN: "nope", STEPLOG_TELEGRAM_CHAT_ID: "1" }, /`STEPLOG_TELEGRAM_BOT_TOKEN`/],
  ])("rejects %s with a UsageError naming the variable", (_, env, message) => {
    expect(() => alertOptionsFromEnv(env)).toThrow(UsageError);
    expect(() => alertOptionsFromEnv(env)).toThrow(message);
  });
});

describe("mergeAlertOptions", () => {
  const fromEnv: AlertOptions = {
    ntfy: { url: "https://ntfy.sh/from-env", token: NTFY_TOKEN },
    webhook: { url: "https://hooks.example.com/env" },
    timeoutMs: 5000,
  };

  it("lets explicit options win per channel, whole channel included", () => {
    const merged = mergeAlertOptions({ ntfy: { url: "https://ntfy.sh/explicit" }, timeoutMs: 100, on: ["run-failed"] }, fromEnv);

    expect(merged).toEqual({
      ntfy: { url: "https://ntfy.sh/explicit" },
      webhook: { url: "https://hooks.example.com/env" },
      timeoutMs: 100,
      on: ["run-failed"],
    });
  });

  it("uses the environment alone when there are no explicit options", () => {
    expect(mergeAlertOptions(undefined, fromEnv)).toEqual(fromEnv);
    expect(mergeAlertOptions({ telegram: { botToken: BOT_TOKEN, chatId: "1" } }, {})).toEqual({ telegram: { botToken: BOT_TOKEN, chatId: "1" } });
  });
});
