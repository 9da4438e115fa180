/**
 * The dashboard's HTTP routes: the page and its files, the JSON reads under `/api/`, the server-sent change
 * events, and the actions (POST, token-checked).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { UsageError, messageOf } from "../errors.js";
import type { Store } from "../store/store.js";
import type { Actions } from "./actions.js";
import type { ChangeFeed } from "./change-feed.js";
import { breakers, deadLetters, runPage, runsPage, waitingRuns } from "./queries.js";
import { RequestRefused, checkAction, checkHost, readJsonBody, setSecurityHeaders } from "./security.js";
import type { StaticFile } from "./static-files.js";

/** What the routes serve from. */
export interface RouteContext {
  store: Store;
  actions: Actions;
  feed: ChangeFeed;
  files: Map<string, StaticFile>;
  token: string;
  /** Accepted Host headers; undefined accepts any (a server bound to every interface). */
  allowedHosts: ReadonlySet<string> | undefined;
  log(line: string): void;
}

const RUN_ACTIONS = new Set(["send", "cancel", "resume"]);

/**
 * Handles one request; never throws (errors become JSON answers with their status).
 *
 * @example
 * ```ts
 * http.createServer((req, res) => void handleRequest(ctx, req, res));
 * ```
 */
export async function handleRequest(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  setSecurityHeaders(res);
  try {
    checkHost(req, ctx.allowedHosts);
    const url = new URL(req.url ?? "/", "http://dashboard");
    const parts = url.pathname.split("/").filter((p) => p !== "");
    if (req.method === "POST") return sendJson(res, 200, await action(ctx, req, parts));
    if (req.method !== "GET" && req.method !== "HEAD") throw new RequestRefused(405, `method ${req.method} is not allowed`);
    if (parts[0] === "api") {
      if (parts[1] === "events" && parts.length === 2) return changeEvents(ctx, req, res);
      return sendJson(res, 200, await read(ctx, parts, url.searchParams));
    }
    const name = parts.length === 0 ? "index.html" : parts[0] === "static" && parts.length === 2 ? parts[1]! : undefined;
    const file = name === undefined ? undefined : ctx.files.get(name);
    if (file === undefined) throw new RequestRefused(404, `no such page: ${url.pathname}`);
    res.writeHead(200, { "Content-Type": file.type, "Cache-Control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : file.body);
  } catch (error) {
    const status = error instanceof RequestRefused ? error.status : error instanceof UsageError ? 400 : 500;
    if (status === 500) ctx.log(`error: ${error instanceof Error && error.stack ? error.stack : messageOf(error)}`);
    if (!res.headersSent) sendJson(res, status, { ok: false, error: messageOf(error) });
    else res.end();
  }
}

async function read(ctx: RouteContext, parts: string[], query: URLSearchParams): Promise<unknown> {
  const [, what, id, extra] = parts;
  if (extra !== undefined) throw new RequestRefused(404, "no such resource");
  if (what === "runs" && id === undefined) return runsPage(ctx.store, { workflow: query.get("workflow"), status: query.get("status") });
  if (what === "runs" && id !== undefined) {
    const view = await runPage(ctx.store, id);
    if (view === undefined) throw new RequestRefused(404, `unknown run ${id}`);
    return view;
  }
  if (id !== undefined) throw new RequestRefused(404, "no such resource");
  if (what === "waiting") return waitingRuns(ctx.store);
  if (what === "dlq") return deadLetters(ctx.store);
  if (what === "breakers") return breakers(ctx.store, Date.now());
  throw new RequestRefused(404, "no such resource");
}

async function action(ctx: RouteContext, req: IncomingMessage, parts: string[]): Promise<unknown> {
  checkAction(req, ctx.token);
  const body = await readJsonBody(req);
  const [api, what, id, verb, extra] = parts;
  if (api !== "api" || id === undefined || verb === undefined || extra !== undefined) throw new RequestRefused(404, "no such action");
  if (what === "runs" && RUN_ACTIONS.has(verb)) {
    if (verb === "send") return ctx.actions.send(id, body);
    if (verb === "cancel") return ctx.actions.cancel(id, body);
    return ctx.actions.resume(id);
  }
  if (what === "dlq" && verb === "redrive") return ctx.actions.redrive(id);
  throw new RequestRefused(404, "no such action");
}

function changeEvents(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", Connection: "keep-alive" });
  res.write("retry: 1000\n\n");
  let seq = 0;
  const unsubscribe = ctx.feed.subscribe(() => res.write(`event: change\ndata: ${++seq}\n\n`));
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
  heartbeat.unref();
  req.once("close", () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(body);
}
