/**
 * How each alert channel turns an {@link AlertEvent} into one HTTP POST, and the delivery of that POST within
 * a deadline. Options reaching this file were validated by `createAlerter`.
 *
 * Hazard: tokens travel in a header (ntfy) or in the URL path (Telegram). Every error text leaves this file
 * through `redact`, so a token echoed by a server or by a network error never reaches a log.
 */
import { messageOf } from "../errors.js";
import type { AlertEvent, AlertKind, AlertResult, NtfyAlertOptions, TelegramAlertOptions, WebhookAlertOptions } from "./alerts.js";

/** ntfy turns longer bodies into attachments (or rejects them); Telegram rejects longer texts. */
const NTFY_MAX_BODY_BYTES = 4096;
const TELEGRAM_MAX_TEXT_CHARS = 4096;
const MAX_TITLE_CHARS = 250;
const MAX_ERROR_CHARS = 300;
/** How much of a failed response's body is read for the error text. */
const EXCERPT_BYTES = 1024;
/** Webhook header values at least this long are treated as secrets in error texts. */
const MIN_HEADER_SECRET_CHARS = 8;
const DEFAULT_NTFY_PRIORITY = 4;
const DEFAULT_TELEGRAM_API = "https://api.telegram.org";
const NTFY_TAGS: Record<AlertKind, string> = { "run-failed": "rotating_light", "dead-letter": "warning", "abnormal-exit": "skull" };

/**
 * One HTTP POST an alert channel makes.
 *
 * @example
 * ```ts
 * const request: AlertRequest = { url: "https://ntfy.sh/ops", headers: { Title: "run failed" }, body: "details" };
 * ```
 */
export interface AlertRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A configured alert channel: its name in {@link AlertResult}, the secrets to hide in its error texts, and
 * how it builds its request for an event.
 *
 * @example
 * ```ts
 * const channel = ntfyChannel({ url: "https://ntfy.sh/ops" });
 * const result = await deliver(channel, event, { timeoutMs: 5000, fetch });
 * ```
 */
export interface AlertChannel {
  readonly name: AlertResult["channel"];
  readonly secrets: readonly string[];
  request(event: AlertEvent): AlertRequest;
}

/**
 * The ntfy channel: the message as the body, `Title`, `Priority` and `Tags` headers, and
 * `Authorization: Bearer <token>` when a token is set.
 *
 * @example
 * ```ts
 * const channel = ntfyChannel({ url: "https://ntfy.sh/ops", token: "tk_...", priority: 5 });
 * ```
 */
export function ntfyChannel(options: NtfyAlertOptions): AlertChannel {
  const { url, token, priority = DEFAULT_NTFY_PRIORITY } = options;
  return {
    name: "ntfy",
    secrets: token === undefined ? [] : [token],
    request: (event) => ({
      url,
      headers: {
        Title: headerText(event.title),
        Priority: String(priority),
        Tags: NTFY_TAGS[event.kind],
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      },
      body: truncate(event.message, NTFY_MAX_BODY_BYTES, (char) => Buffer.byteLength(char)),
    }),
  };
}

/**
 * The generic webhook channel: the event as JSON, with the configured extra headers.
 *
 * @example
 * ```ts
 * const channel = webhookChannel({ url: "https://hooks.example.com/steplog", headers: { "X-Api-Key": key } });
 * ```
 */
export function webhookChannel(options: WebhookAlertOptions): AlertChannel {
  const extra = Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== "content-type");
  return {
    name: "webhook",
    secrets: extra.map(([, value]) => value).filter((value) => value.length >= MIN_HEADER_SECRET_CHARS),
    request: (event) => ({
      url: options.url,
      headers: { ...Object.fromEntries(extra), "content-type": "application/json" },
      body: JSON.stringify(webhookPayload(event)),
    }),
  };
}

/**
 * The Telegram channel: `sendMessage` with the title and message as plain text (no `parse_mode`, so text
 * from the run cannot inject markup).
 *
 * @example
 * ```ts
 * const channel = telegramChannel({ botToken: "123456:ABC-def", chatId: "-1001234567890" });
 * ```
 */
export function telegramChannel(options: TelegramAlertOptions): AlertChannel {
  const base = (options.apiBaseUrl ?? DEFAULT_TELEGRAM_API).replace(/\/+$/, "");
  return {
    name: "telegram",
    secrets: [options.botToken],
    request: (event) => ({
      url: `${base}/bot${options.botToken}/sendMessage`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        chat_id: options.chatId,
        text: truncate(event.message === "" ? event.title : `${event.title}\n\n${event.message}`, TELEGRAM_MAX_TEXT_CHARS, (char) => char.length),
      }),
    }),
  };
}

/** The fields of an event, and nothing else the caller's object may carry. */
function webhookPayload(event: AlertEvent): AlertEvent {
  const { kind, workflow, runId, title, message, stepKey, error, exitCode, at } = event;
  return { kind, workflow, runId, title, message, stepKey, error: error && { name: error.name, message: error.message }, exitCode, at };
}

/** One line of printable ASCII; anything else is sent as an RFC 2047 encoded word, which ntfy decodes. */
function headerText(text: string): string {
  const line = truncate(text.replace(/\p{Cc}+/gu, " ").trim(), MAX_TITLE_CHARS, (char) => char.length);
  if (/^[ -~]*$/.test(line) && !line.includes("=?")) return line;
  return `=?UTF-8?B?${Buffer.from(line, "utf8").toString("base64")}?=`;
}

/** Cuts `text` to at most `max` units (as measured by `size`) on a code point boundary, ending it with "…". */
function truncate(text: string, max: number, size: (char: string) => number): string {
  if (size(text) <= max) return text;
  const budget = max - size("…");
  let used = 0;
  let end = 0;
  for (const char of text) {
    const units = size(char);
    if (used + units > budget) break;
    used += units;
    end += char.length;
  }
  return `${text.slice(0, end)}…`;
}

/** What one delivery attempt came to, before redaction. */
interface Outcome {
  ok: boolean;
  status?: number;
  error?: string;
}

/**
 * POSTs one channel's request and resolves with its result. Never rejects, and resolves within `timeoutMs`
 * even when the server never answers or the `fetch` given ignores its abort signal. Does not retry.
 *
 * @example
 * ```ts
 * const result = await deliver(ntfyChannel({ url }), event, { timeoutMs: 5000, fetch });
 * if (!result.ok) console.error(`ntfy: ${result.error}`);
 * ```
 */
export async function deliver(channel: AlertChannel, event: AlertEvent, options: { timeoutMs: number; fetch: typeof fetch }): Promise<AlertResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      resolve({ ok: false, error: `timed out after ${options.timeoutMs} ms` });
      controller.abort();
    }, options.timeoutMs);
  });
  const outcome = await Promise.race([post(channel, event, controller.signal, options.fetch), deadline]);
  clearTimeout(timer);
  const result: AlertResult = { channel: channel.name, ok: outcome.ok, ms: Math.round(performance.now() - started) };
  if (outcome.status !== undefined) result.status = outcome.status;
  if (outcome.error !== undefined) result.error = redact(outcome.error, channel.secrets).slice(0, MAX_ERROR_CHARS);
  return result;
}

async function post(channel: AlertChannel, event: AlertEvent, signal: AbortSignal, fetchFn: typeof fetch): Promise<Outcome> {
  try {
    const { url, headers, body } = channel.request(event);
    const response = await fetchFn(url, { method: "POST", headers, body, signal, redirect: "manual" });
    if (response.ok) {
      void response.body?.cancel().catch(ignore);
      return { ok: true, status: response.status };
    }
    const detail = await failureDetail(response);
    return { ok: false, status: response.status, error: `HTTP ${response.status}${detail === "" ? "" : `: ${detail}`}` };
  } catch (error) {
    return { ok: false, error: errorText(error) };
  }
}

/** A short reason from a failed response: a redirect's target, or the start of the body. */
async function failureDetail(response: Response): Promise<string> {
  if (response.status >= 300 && response.status < 400) {
    void response.body?.cancel().catch(ignore);
    return `redirect to ${response.headers.get("location") ?? "?"} not followed; configure the final URL`;
  }
  const text = await readStart(response, EXCERPT_BYTES);
  try {
    // Telegram answers {"ok":false,"description":...}, ntfy {"error":...}.
    const parsed = JSON.parse(text) as { description?: unknown; error?: unknown };
    const reason = parsed.description ?? parsed.error;
    if (typeof reason === "string") return reason;
  } catch {
    // Not JSON (or cut short): use the text as it is.
  }
  return text.replace(/\s+/g, " ").trim();
}

async function readStart(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    void reader.cancel().catch(ignore);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString("utf8");
}

/** "fetch failed: connect ECONNREFUSED 127.0.0.1:9", from an error and its cause. */
function errorText(error: unknown): string {
  const text = messageOf(error);
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause === undefined || cause === null) return text;
  const code = (cause as { code?: unknown }).code;
  const causeText = messageOf(cause) || (typeof code === "string" ? code : "");
  return causeText === "" ? text : `${text}: ${causeText}`;
}

/** Replaces every secret, raw or URL-encoded, with "[redacted]". Longer secrets first. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret === "") continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join("[redacted]");
  }
  return out;
}

function ignore(): void {}
