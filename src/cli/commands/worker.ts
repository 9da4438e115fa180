/**
 * `steplog worker --module FILE [--concurrency N] [--grace-ms N]`: executes the PostgreSQL store's runs of the
 * workflows a module exports, until SIGTERM or SIGINT.
 */
import { UsageError } from "../../errors.js";
import { storeError } from "../../journal/values.js";
import type { RunOutcome } from "../../run/execute.js";
import type { Cli, Command } from "../command.js";
import { postgresStoreOf } from "../postgres-only.js";
import { loadWorkflows } from "../workflow-module.js";

/**
 * The `worker` command.
 *
 * @example
 * ```sh
 * steplog worker --module ./workflows.mjs --concurrency 20 --database-url postgres://app@db/app
 * ```
 */
export const workerCommand: Command = {
  name: "worker",
  summary: "execute runs from PostgreSQL for the workflows a module exports (until SIGTERM)",
  usage: "steplog worker --module <file> [--concurrency N] [--grace-ms N] --database-url URL",
  options: { module: { type: "string" }, concurrency: { type: "string" }, "grace-ms": { type: "string" } },
  flagHelp: `  --module FILE     the module exporting the workflows to run (imported; a main() in it does not run)
  --concurrency N   runs executing at once in this process (default 10)
  --grace-ms N      on SIGTERM/SIGINT, how long running runs get to finish before they are handed back
                    to other workers (default 10000)`,
  positionals: [0, 0],
  help: `Runs a worker: claims runnable runs of the module's workflows from the PostgreSQL store (new, woken from
a sleep or by an event, or left by a worker whose lease expired), executes them, and waits for more (woken
by LISTEN/NOTIFY, polling as a fallback). Start as many workers on as many machines as you like.
On SIGTERM or SIGINT it stops claiming, lets running runs finish within --grace-ms, interrupts and hands
back the rest (another worker resumes them from their records), and exits 0. A second signal exits at once.
One line per finished run on stderr; with --json, one JSON object per run on stdout.

Examples:
  steplog worker --module ./workflows.mjs --database-url postgres://app@db:5432/app
  STEPLOG_DATABASE_URL=postgres://app@db/app steplog worker --module dist/workflows.js --concurrency 50`,
  async run(cli) {
    const store = postgresStoreOf(cli, "worker executes runs of the PostgreSQL store");
    const modulePath = cli.string("module");
    if (modulePath === undefined) throw new UsageError("give the workflow module: --module ./workflows.mjs");
    const concurrency = integerFlag(cli, "concurrency", 10, 1);
    const graceMs = integerFlag(cli, "grace-ms", 10_000, 0);
    const workflows = await loadWorkflows(modulePath);
    const { createWorker } = await import("../../store/postgres/worker.js");
    await store.migrate();
    const worker = createWorker({
      store, concurrency, shutdownGraceMs: graceMs, workflows: [...workflows.values()].map((w) => w.workflow),
      onOutcome: (outcome) => report(cli, outcome),
      onError: (error) => cli.err(`steplog worker: ${storeError(error).message} (retrying)`),
    });
    const keepAlive = setInterval(() => undefined, 1 << 30);
    let stopping = false;
    let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      onSignal = (signal) => {
        if (stopping) process.exit(signal === "SIGINT" ? 130 : 143);
        stopping = true;
        resolve(signal);
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
    });
    worker.start();
    cli.err(`steplog worker: pid ${process.pid} runs ${[...workflows.keys()].join(", ")} from the ${store.description}; concurrency ${concurrency}; stop with SIGTERM or Ctrl-C`);
    try {
      const signal = await stopped;
      cli.err(`steplog worker: ${signal} received: claiming no more runs; ${worker.active} running get ${graceMs} ms to finish, then are handed back`);
      await worker.stop({ graceMs });
      cli.err("steplog worker: stopped");
      return 0;
    } finally {
      clearInterval(keepAlive);
      process.off("SIGTERM", onSignal!);
      process.off("SIGINT", onSignal!);
    }
  },
};

function report(cli: Cli, outcome: RunOutcome): void {
  const error = outcome.status === "failed" ? storeError(outcome.error).message : undefined;
  if (cli.json) {
    cli.out(JSON.stringify({ runId: outcome.runId ?? null, workflow: outcome.workflow, status: outcome.status, ...(error !== undefined ? { error } : {}) }));
    return;
  }
  const detail = outcome.status === "waiting" ? ` for ${outcome.wait.kind === "event" ? `event '${outcome.wait.event ?? outcome.wait.key}'` : "a sleep"}` : error !== undefined ? `: ${error}` : "";
  cli.err(`run ${outcome.runId ?? "?"} (${outcome.workflow}) ${outcome.status}${detail}`);
}

function integerFlag(cli: Cli, name: string, fallback: number, min: number): number {
  const raw = cli.string(name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min) throw new UsageError(`--${name} must be an integer of at least ${min}, got ${JSON.stringify(raw.slice(0, 40))}`);
  return Number(raw);
}
