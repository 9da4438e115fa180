/**
 * Protection of a dashboard that runs on a developer's machine. Every request must name an allowed Host
 * (defeats DNS rebinding); every action (a POST) must carry the per-process token the page embeds, come from
 * the dashboard's own Origin, and send a JSON body. Pages get a strict Content-Security-Policy.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The header an action carries its token in. */
export const TOKEN_HEADER = "x-steplog-token";

/** Largest accepted action body, in bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Content-Security-Policy of every response: nothing but this server's own scripts, styles and requests. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * A fresh random token for one server process (32 bytes, hex).
 *
 * @example
 * ```ts
 * const token = newToken(); // "9f2c…" (64 hex characters)
 * ```
 */
export function newToken(): string {
  return randomBytes(32).toString("hex");
}

/** A request refused, with its status code and a message for the page. */
export class RequestRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RequestRefused";
  }
}

/**
 * Sets the headers every response carries (CSP, no sniffing, no framing, no referrer).
 *
 * @example
 * ```ts
 * setSecurityHeaders(res);
 * ```
 */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
}

/**
 * Throws RequestRefused (403) unless the Host header is one of `allowedHosts` (`host:port`, lower case).
 * `allowedHosts` undefined accepts any Host (a server bound to every interface cannot know its names).
 *
 * @example
 * ```ts
 * checkHost(req, new Set(["127.0.0.1:4100", "localhost:4100"]));
 * ```
 */
export function checkHost(req: IncomingMessage, allowedHosts: ReadonlySet<string> | undefined): void {
  const host = req.headers.host?.toLowerCase();
  if (host === undefined) throw new RequestRefused(403, "the request has no Host header");
  if (allowedHosts !== undefined && !allowedHosts.has(host)) throw new RequestRefused(403, `the Host ${JSON.stringify(host.slice(0, 100))} is not this dashboard`);
}

/**
 * Throws RequestRefused unless an action request carries the token, comes from the page's own origin (when
 * the browser says where it comes from) and declares a JSON body.
 *
 * @example
 * ```ts
 * checkAction(req, token); // before reading the body of a POST
 * ```
 */
export function checkAction(req: IncomingMessage, token: string): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ""}`) {
    throw new RequestRefused(403, `actions are refused from another origin (${origin.slice(0, 100)})`);
  }
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") throw new RequestRefused(403, `actions are refused from a ${site} request`);
  const given = req.headers[TOKEN_HEADER];
  if (typeof given !== "string" || !sameToken(given, token)) throw new RequestRefused(403, "the action's token is missing or wrong; reload the page");
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") throw new RequestRefused(415, "actions take a JSON body (Content-Type: application/json)");
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Reads and parses a request's JSON body (at most {@link MAX_BODY_BYTES}); it must be an object.
 *
 * @example
 * ```ts
 * const body = await readJsonBody(req); // { event: "approval", data: { ok: true } }
 * ```
 */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RequestRefused(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  } catch {
    throw new RequestRefused(400, "the body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new RequestRefused(400, "the body must be a JSON object");
  return parsed as Record<string, unknown>;
}
