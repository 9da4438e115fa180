/**
 * The dashboard server behind `steplog ui`: node:http on 127.0.0.1 unless told otherwise, serving the page,
 * its JSON API, live change events and the token-protected actions.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { UsageError } from "../errors.js";
import type { Store } from "../store/store.js";
import { createActions } from "./actions.js";
import { createChangeFeed } from "./change-feed.js";
import { handleRequest } from "./routes.js";
import { newToken } from "./security.js";
import { loadStaticFiles } from "./static-files.js";

/** Options of {@link startUiServer}. */
export interface UiServerOptions {
  store: Store;
  /** The file store's state directory: watched for changes, and passed to re-run scripts as `--dir`. @default none (the store is polled) */
  dir?: string;
  /** The PostgreSQL connection string, passed to re-run scripts as env STEPLOG_DATABASE_URL. @default none */
  databaseUrl?: string;
  /** The interface to listen on. @default "127.0.0.1" */
  host?: string;
  /** The port; 0 picks a free one. @default 4800 */
  port?: number;
  /** The environment of re-run scripts. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where log lines go. @default stderr */
  log?: (line: string) => void;
}

/** A running dashboard. */
export interface UiServer {
  /** `http://127.0.0.1:4800/` */
  readonly url: string;
  /** The token actions must carry (embedded in the page). */
  readonly token: string;
  /** Stops listening, ends live connections, and waits for re-runs it started. The store is not closed. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);
const EVERY_INTERFACE = new Set(["0.0.0.0", "::"]);

/**
 * Starts the dashboard.
 *
 * @example
 * ```ts
 * const ui = await startUiServer({ store: createFileStore({ dir: ".steplog" }), dir: ".steplog", port: 0 });
 * console.log(`open ${ui.url}`);
 * await ui.close();
 * ```
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? ((line: string) => void process.stderr.write(line + "\n"));
  const token = newToken();
  const files = loadStaticFiles(token);
  const feed = createChangeFeed({ store: options.store, ...(options.dir !== undefined ? { dir: options.dir } : {}) });
  const spawnTarget = { env: options.env ?? process.env, ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : { dir: options.dir }) };
  const actions = createActions({ store: options.store, spawnTarget, log });
  const ctx = { store: options.store, actions, feed, files, token, allowedHosts: undefined as Set<string> | undefined, log };
  const server = http.createServer((req, res) => void handleRequest(ctx, req, res));
  await listen(server, host, options.port ?? 4800);
  const { port } = server.address() as AddressInfo;
  ctx.allowedHosts = EVERY_INTERFACE.has(host) ? undefined : allowedHosts(host, port);
  const shown = EVERY_INTERFACE.has(host) ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    token,
    async close() {
      feed.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await actions.settled();
    },
  };
}

function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set([host.includes(":") ? `[${host}]` : host]);
  if (LOOPBACK.has(host)) for (const name of ["127.0.0.1", "localhost", "[::1]"]) names.add(name);
  return new Set([...names].map((name) => `${name.toLowerCase()}:${port}`));
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") reject(new UsageError(`port ${port} on ${host} is in use; pick another with --port`));
      else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") reject(new UsageError(`cannot listen on ${host}: no such local address`));
      else reject(error);
    });
    server.listen(port, host, () => resolve());
  });
}
