/**
 * `steplog ui [--port P] [--host H]`: a local web dashboard of the runs, the DLQ, waiting runs and breakers.
 */
import { UsageError } from "../../errors.js";
import type { Command } from "../command.js";

/**
 * The `ui` command.
 *
 * @example
 * ```sh
 * steplog ui --dir /srv/app/.steplog --port 4800
 * ```
 */
export const uiCommand: Command = {
  name: "ui",
  summary: "serve a local web dashboard of runs, the DLQ, waiting runs and breakers",
  usage: "steplog ui [--port P] [--host H]",
  options: { port: { type: "string" }, host: { type: "string" } },
  flagHelp: `  --port P  the port to listen on (default: 4800; 0 picks a free one)
  --host H  the interface to listen on (default: 127.0.0.1; anything else is reachable from other
            machines: the dashboard can send events, cancel and re-run scripts, so a warning is printed)`,
  positionals: [0, 0],
  help: `Serves a dashboard until interrupted (Ctrl-C) and prints its address. Pages: runs (filtered by workflow
and status, with counts), a run (a timeline of its steps with attempts, durations, replayed and in-doubt
marks, waits; input, output and errors), the dead-letter queue (with a redrive button), waiting runs (with
a form that sends the awaited event), and circuit breakers. Pages update live while runs execute.

Actions (send an event, cancel, resume, redrive) are POST requests that must carry a token generated for this
process and embedded in the page, and come from the page's own origin. Resume and redrive re-run the run's
recorded script, as 'steplog resume' does; its output goes to this command's stderr.

Examples:
  steplog ui
  steplog ui --dir /srv/app/.steplog --port 8080
  steplog ui --database-url postgres://app@db/app`,
  async run(cli) {
    const port = portOf(cli.string("port"));
    const host = cli.string("host");
    if (host !== undefined && !["127.0.0.1", "localhost", "::1"].includes(host)) {
      cli.err(`warning: listening on ${host}: anyone who can reach it can read your runs' data and act on them`);
    }
    const store = cli.store();
    const databaseUrl = cli.databaseUrl;
    const schema = cli.string("database-schema");
    const { startUiServer } = await import("../../ui/server.js");
    const server = await startUiServer({
      store, port, log: (line) => cli.err(line),
      env: schema === undefined ? cli.env : { ...cli.env, STEPLOG_DATABASE_SCHEMA: schema },
      ...(host !== undefined ? { host } : {}),
      ...(databaseUrl !== undefined ? { databaseUrl } : { dir: cli.dir }),
    });
    cli.result({ ok: true, url: server.url, store: store.description }, () => `steplog ui: ${server.url}  (${store.description}; Ctrl-C stops)`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await server.close();
    return 0;
  },
};

function portOf(raw: string | undefined): number {
  if (raw === undefined) return 4800;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) throw new UsageError(`--port must be a port number (0 to 65535), got ${JSON.stringify(raw.slice(0, 20))}`);
  return port;
}
