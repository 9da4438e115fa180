/**
 * Alerts on run failure, dead-letter entry and abnormal exit, sent to ntfy, a generic JSON webhook and
 * Telegram. An alert is best effort: `send` never throws and is bounded by `timeoutMs`, so it cannot crash a
 * run or delay it by more than that.
 */
import { UsageError } from "../errors.js";
import { type AlertChannel, deliver, ntfyChannel, telegramChannel, webhookChannel } from "./alert-channels.js";

/**
 * What an alert is about: `"run-failed"` (a run ended with an error), `"dead-letter"` (a step failed for good
 * and went to the dead-letter queue), `"abnormal-exit"` (the process goes down on an uncaught error or a
 * signal such as SIGTERM).
 *
 * @example
 * ```ts
 * const alerter = createAlerter({ ntfy: { url }, on: ["run-failed", "abnormal-exit"] satisfies AlertKind[] });
 * ```
 */
export type AlertKind = "run-failed" | "dead-letter" | "abnormal-exit";

const ALERT_KINDS: readonly AlertKind[] = ["run-failed", "dead-letter", "abnormal-exit"];

/**
 * One alert. The webhook receives exactly these fields as JSON.
 *
 * @example
 * ```ts
 * const event: AlertEvent = {
 *   kind: "dead-letter", workflow: "billing", runId, stepKey: "charge", at: Date.now(),
 *   title: "billing: step charge failed for good", message: "card declined (attempt 3 of 3)",
 *   error: { name: "TerminalError", message: "card declined" },
 * };
 * ```
 */
export interface AlertEvent {
  kind: AlertKind;
  /** The workflow's name. */
  workflow: string;
  runId: string;
  /** A one-line summary: the ntfy title, the first line of the Telegram text. */
  title: string;
  /** The details: the ntfy body, the rest of the Telegram text. */
  message: string;
  /** The step concerned, for `"dead-letter"` (and `"run-failed"` when a step caused it). */
  stepKey?: string;
  /** The error behind the alert: its name and message only. */
  error?: { name: string; message: string };
  /** The exit code the process is about to exit with, for `"abnormal-exit"`. */
  exitCode?: number;
  /** When it happened, in milliseconds since the Unix epoch. */
  at: number;
}

/**
 * Where ntfy alerts go. The message is the body; `Title`, `Priority` and `Tags` (`rotating_light`,
 * `warning`, `skull` by kind) are headers.
 *
 * @example
 * ```ts
 * const ntfy: NtfyAlertOptions = { url: "https://ntfy.sh/my-topic", token: process.env.NTFY_TOKEN, priority: 5 };
 * ```
 */
export interface NtfyAlertOptions {
  /** The full topic URL, such as `https://ntfy.sh/my-topic`. */
  url: string;
  /**
   * An access token, sent as `Authorization: Bearer <token>`.
   * @default undefined (no Authorization header)
   */
  token?: string;
  /**
   * ntfy's priority, from 1 (min) to 5 (max).
   * @default 4
   */
  priority?: 1 | 2 | 3 | 4 | 5;
}

/**
 * Where webhook alerts go: a POST of the {@link AlertEvent} as JSON (`content-type: application/json`).
 *
 * @example
 * ```ts
 * const webhook: WebhookAlertOptions = { url: "https://hooks.example.com/steplog", headers: { "X-Api-Key": key } };
 * ```
 */
export interface WebhookAlertOptions {
  url: string;
  /**
   * Extra request headers, such as an API key. Values of 8 characters or more are hidden in error texts.
   * @default {}
   */
  headers?: Record<string, string>;
}

/**
 * Where Telegram alerts go: `sendMessage` with the title and message as plain text.
 *
 * @example
 * ```ts
 * const telegram: TelegramAlertOptions = { botToken: "123456:ABC-def", chatId: "-1001234567890" };
 * ```
 */
export interface TelegramAlertOptions {
  /** The bot's token from @BotFather, `<digits>:<characters>`. */
  botToken: string;
  /** A numeric chat id (negative for groups) or `@channelname`. */
  chatId: string;
  /**
   * The Bot API's base URL, for a local Bot API server or a test server.
   * @default "https://api.telegram.org"
   */
  apiBaseUrl?: string;
}

/**
 * Which channels receive alerts, and for which kinds. Invalid values throw a {@link UsageError} naming the
 * option when the alerter is created.
 *
 * @example
 * ```ts
 * const options: AlertOptions = { ntfy: { url: "https://ntfy.sh/my-topic" }, timeoutMs: 3000 };
 * ```
 */
export interface AlertOptions {
  /** @default undefined (no ntfy alerts) */
  ntfy?: NtfyAlertOptions;
  /** @default undefined (no webhook alerts) */
  webhook?: WebhookAlertOptions;
  /** @default undefined (no Telegram alerts) */
  telegram?: TelegramAlertOptions;
  /**
   * The longest each delivery may take; a channel that has not answered by then counts as failed.
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * The kinds that are sent; others are dropped without I/O.
   * @default ["run-failed", "dead-letter", "abnormal-exit"]
   */
  on?: AlertKind[];
}

/**
 * How one channel's delivery went. `status` is the HTTP status when the server answered; `error` says why a
 * delivery failed, with tokens replaced by `[redacted]`.
 *
 * @example
 * ```ts
 * for (const r of await alerter.send(event)) if (!r.ok) console.error(`alert via ${r.channel} failed: ${r.error}`);
 * ```
 */
export interface AlertResult {
  channel: "ntfy" | "webhook" | "telegram";
  ok: boolean;
  status?: number;
  error?: string;
  /** How long the delivery took, in milliseconds. */
  ms: number;
}

/**
 * Sends alerts to the configured channels.
 *
 * @example
 * ```ts
 * const alerter = createAlerter(mergeAlertOptions(options.alerts, alertOptionsFromEnv(process.env)));
 * if (alerter.enabled) await alerter.send(event);
 * ```
 */
export interface Alerter {
  /** False when no channel is configured (or `on` is empty): `send` then does nothing. */
  readonly enabled: boolean;
  /**
   * Delivers the event to every channel in parallel, once each (no retries). Never rejects, and resolves
   * within `timeoutMs` (plus a few ms) with one result per channel, in the order ntfy, webhook, Telegram.
   * Resolves `[]` at once, without I/O, when disabled or when `event.kind` is not in `on`.
   */
  send(event: AlertEvent): Promise<AlertResult[]>;
}

/**
 * Creates an alerter. Validates the options at once and throws a {@link UsageError} naming the bad option.
 *
 * @example
 * ```ts
 * const alerter = createAlerter({ telegram: { botToken, chatId }, webhook: { url: "https://hooks.example.com/x" } });
 * const results = await alerter.send({ kind: "run-failed", workflow: "nightly", runId, title, message, at: Date.now() });
 * ```
 */
export function createAlerter(options: AlertOptions, deps: { fetch?: typeof fetch } = {}): Alerter {
  const { channels, timeoutMs, kinds } = resolveAlertOptions(options, (path) => path);
  const fetchFn = deps.fetch ?? globalThis.fetch;
  const enabled = channels.length > 0 && kinds.size > 0;
  return {
    enabled,
    send(event) {
      if (!enabled || !kinds.has(event?.kind)) return Promise.resolve([]);
      return Promise.all(channels.map((channel) => deliver(channel, event, { timeoutMs, fetch: fetchFn })));
    },
  };
}

const ENV_NAMES: Record<string, string> = {
  "ntfy.url": "STEPLOG_NTFY_URL",
  "ntfy.token": "STEPLOG_NTFY_TOKEN",
  "webhook.url": "STEPLOG_WEBHOOK_URL",
  "telegram.botToken": "STEPLOG_TELEGRAM_BOT_TOKEN",
  "telegram.chatId": "STEPLOG_TELEGRAM_CHAT_ID",
  timeoutMs: "STEPLOG_ALERT_TIMEOUT_MS",
};

/**
 * Reads alert options from environment variables. Empty variables count as unset; values are trimmed.
 *
 * - `STEPLOG_NTFY_URL`: ntfy topic URL (`ntfy.url`); `STEPLOG_NTFY_TOKEN`: its access token (`ntfy.token`).
 * - `STEPLOG_WEBHOOK_URL`: webhook URL (`webhook.url`).
 * - `STEPLOG_TELEGRAM_BOT_TOKEN` and `STEPLOG_TELEGRAM_CHAT_ID`: Telegram bot token and chat id (both needed).
 * - `STEPLOG_ALERT_TIMEOUT_MS`: `timeoutMs`, a positive integer.
 *
 * Throws a {@link UsageError} naming the variable when a value is invalid or its companion is missing.
 *
 * @example
 * ```ts
 * // STEPLOG_NTFY_URL=https://ntfy.sh/my-topic STEPLOG_ALERT_TIMEOUT_MS=3000 node nightly.js
 * alertOptionsFromEnv(process.env); // { ntfy: { url: "https://ntfy.sh/my-topic" }, timeoutMs: 3000 }
 * ```
 */
export function alertOptionsFromEnv(env: NodeJS.ProcessEnv): AlertOptions {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };
  const options: AlertOptions = {};
  const ntfyUrl = read("STEPLOG_NTFY_URL");
  const ntfyToken = read("STEPLOG_NTFY_TOKEN");
  if (ntfyUrl !== undefined) options.ntfy = ntfyToken === undefined ? { url: ntfyUrl } : { url: ntfyUrl, token: ntfyToken };
  else if (ntfyToken !== undefined) throw missing("STEPLOG_NTFY_TOKEN", "STEPLOG_NTFY_URL");
  const webhookUrl = read("STEPLOG_WEBHOOK_URL");
  if (webhookUrl !== undefined) options.webhook = { url: webhookUrl };
  const botToken = read("STEPLOG_TELEGRAM_BOT_TOKEN");
  const chatId = read("STEPLOG_TELEGRAM_CHAT_ID");
  if (botToken !== undefined && chatId !== undefined) options.telegram = { botToken, chatId };
  else if (botToken !== undefined) throw missing("STEPLOG_TELEGRAM_BOT_TOKEN", "STEPLOG_TELEGRAM_CHAT_ID");
  else if (chatId !== undefined) throw missing("STEPLOG_TELEGRAM_CHAT_ID", "STEPLOG_TELEGRAM_BOT_TOKEN");
  const timeout = read("STEPLOG_ALERT_TIMEOUT_MS");
  if (timeout !== undefined) {
    if (!/^\d+$/.test(timeout)) {
      throw new UsageError(`Expected \`STEPLOG_ALERT_TIMEOUT_MS\` to be a positive integer of milliseconds, got "${timeout}"`);
    }
    options.timeoutMs = Number(timeout);
  }
  resolveAlertOptions(options, (path) => ENV_NAMES[path] ?? path);
  return options;
}

function missing(set: string, unset: string): UsageError {
  return new UsageError(`\`${set}\` is set but \`${unset}\` is not; set both, or neither`);
}

/**
 * Combines explicit options with those from the environment. Explicit options win per channel: an explicit
 * `ntfy` replaces the environment's whole `ntfy` (its token included); `timeoutMs` and `on` likewise.
 *
 * @example
 * ```ts
 * const alerter = createAlerter(mergeAlertOptions({ webhook: { url } }, alertOptionsFromEnv(process.env)));
 * ```
 */
export function mergeAlertOptions(fromOptions: AlertOptions | undefined, fromEnv: AlertOptions): AlertOptions {
  const merged: AlertOptions = {};
  const ntfy = fromOptions?.ntfy ?? fromEnv.ntfy;
  const webhook = fromOptions?.webhook ?? fromEnv.webhook;
  const telegram = fromOptions?.telegram ?? fromEnv.telegram;
  const timeoutMs = fromOptions?.timeoutMs ?? fromEnv.timeoutMs;
  const on = fromOptions?.on ?? fromEnv.on;
  if (ntfy !== undefined) merged.ntfy = ntfy;
  if (webhook !== undefined) merged.webhook = webhook;
  if (telegram !== undefined) merged.telegram = telegram;
  if (timeoutMs !== undefined) merged.timeoutMs = timeoutMs;
  if (on !== undefined) merged.on = on;
  return merged;
}

/** Names an option in messages: its path (`ntfy.url`) for explicit options, a variable for the environment. */
type NameOf = (path: string) => string;

function resolveAlertOptions(options: AlertOptions, nameOf: NameOf): { channels: AlertChannel[]; timeoutMs: number; kinds: Set<AlertKind> } {
  if (typeof options !== "object" || options === null) throw new UsageError(`Expected alert options to be an object, got ${describe(options)}`);
  const channels: AlertChannel[] = [];
  if (options.ntfy !== undefined) channels.push(ntfyChannel(checkNtfy(options.ntfy, nameOf)));
  if (options.webhook !== undefined) channels.push(webhookChannel(checkWebhook(options.webhook, nameOf)));
  if (options.telegram !== undefined) channels.push(telegramChannel(checkTelegram(options.telegram, nameOf)));
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2_147_483_647) {
    throw new UsageError(`Expected \`${nameOf("timeoutMs")}\` to be a positive integer of milliseconds (at most 2147483647), got ${describe(timeoutMs)}`);
  }
  const on = options.on ?? ALERT_KINDS;
  const unknown = Array.isArray(on) ? on.find((kind) => !ALERT_KINDS.includes(kind)) : on;
  if (!Array.isArray(on) || unknown !== undefined) {
    const got = typeof unknown === "string" ? JSON.stringify(unknown) : describe(unknown);
    throw new UsageError(`Expected \`${nameOf("on")}\` to be an array of ${ALERT_KINDS.map((k) => `"${k}"`).join(", ")}, got ${got}`);
  }
  return { channels, timeoutMs, kinds: new Set(on) };
}

function checkNtfy(ntfy: NtfyAlertOptions, nameOf: NameOf): NtfyAlertOptions {
  checkObject(ntfy, "ntfy", nameOf);
  const url = checkUrl(ntfy.url, "ntfy.url", nameOf);
  if (new URL(url).pathname === "/") throw new UsageError(`Expected \`${nameOf("ntfy.url")}\` to name a topic, like https://ntfy.sh/my-topic`);
  const { token, priority } = ntfy;
  if (token !== undefined) checkSecret(token, "ntfy.token", nameOf, /^[!-~]+$/, "a token of visible ASCII characters");
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 1 && priority <= 5)) {
    throw new UsageError(`Expected \`${nameOf("ntfy.priority")}\` to be an integer from 1 to 5, got ${describe(priority)}`);
  }
  return { url, token, priority };
}

function checkWebhook(webhook: WebhookAlertOptions, nameOf: NameOf): WebhookAlertOptions {
  checkObject(webhook, "webhook", nameOf);
  const url = checkUrl(webhook.url, "webhook.url", nameOf);
  const headers = webhook.headers ?? {};
  checkObject(headers, "webhook.headers", nameOf);
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || typeof value !== "string" || !/^[\t -~\u0080-\u00ff]*$/.test(value)) {
      throw new UsageError(`Expected \`${nameOf("webhook.headers")}\` to hold valid HTTP header names and one-line string values; "${name}" is not`);
    }
  }
  return { url, headers };
}

function checkTelegram(telegram: TelegramAlertOptions, nameOf: NameOf): TelegramAlertOptions {
  checkObject(telegram, "telegram", nameOf);
  const botToken = checkSecret(telegram.botToken, "telegram.botToken", nameOf, /^\d+:[\w-]+$/, "a bot token like 123456789:AAE...");
  const chatId = checkSecret(telegram.chatId, "telegram.chatId", nameOf, /^(-?\d+|@\w+)$/, "a numeric chat id or @channelname");
  const apiBaseUrl = telegram.apiBaseUrl === undefined ? undefined : checkUrl(telegram.apiBaseUrl, "telegram.apiBaseUrl", nameOf);
  return { botToken, chatId, apiBaseUrl };
}

function checkObject(value: unknown, path: string, nameOf: NameOf): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`Expected \`${nameOf(path)}\` to be an object, got ${describe(value)}`);
  }
}

/** An http(s) URL without credentials. The value is never echoed: it may carry a secret. */
function checkUrl(value: unknown, path: string, nameOf: NameOf): string {
  const expected = `Expected \`${nameOf(path)}\` to be an http(s) URL`;
  if (typeof value !== "string" || value === "") throw new UsageError(`${expected}, got ${describe(value)}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${expected}, got a string that is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${expected}, got a URL with protocol "${url.protocol}"`);
  if (url.username !== "" || url.password !== "") throw new UsageError(`${expected} without user:password@; use a token option instead`);
  return url.href;
}

/** A string matching `pattern`. The value is never echoed. */
function checkSecret(value: unknown, path: string, nameOf: NameOf, pattern: RegExp, shape: string): string {
  if (typeof value !== "string" || value === "") throw new UsageError(`Expected \`${nameOf(path)}\` to be ${shape}, got ${describe(value)}`);
  if (!pattern.test(value)) throw new UsageError(`Expected \`${nameOf(path)}\` to be ${shape}; the ${value.length}-character value given is not`);
  return value;
}

/** Describes a bad value without echoing strings, which may be secrets. */
function describe(value: unknown): string {
  if (typeof value === "string") return value === "" ? "an empty string" : "a string";
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}
