/**
 * `wf.main()`: the script entry. Owns the process: parses flags, installs signal handlers, runs, prints the
 * result (or the `--json` envelope) on stdout, reports on stderr, and exits with the code of DESIGN 10.
 */
import * as path from "node:path";
import { UsageError } from "../errors.js";
import type { RunEventListener } from "../events.js";
import { ExitCode, exitCodeFor } from "../exit-codes.js";
import { storeError } from "../journal/values.js";
import { closeBreakers } from "../policies/breaker-registry.js";
import { createAlertListener, type AlertListener } from "../report/alert-listener.js";
import { createConsoleReporter } from "../report/console-reporter.js";
import { executeRun, type RunOutcome } from "../run/execute.js";
import { selectedDatabaseUrl, storeFromOptions } from "../store/postgres/select-store.js";
import type { Store } from "../store/store.js";
import { resolveStateDir } from "../options.js";
import type { WorkflowDefinition } from "../workflow-definition.js";
import { parseScriptArgs, scriptHelp, type ScriptArgs } from "./args.js";
import { callerFile, currentEntry, isEntryFile } from "./entry.js";
import { ENVELOPE_SCHEMA_VERSION, envelopeError, resumeCommand, toPrintable, type Envelope } from "./envelope.js";
import type { MainOptions } from "./main-options.js";

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Runs the workflow as the process's main program, unless the caller is not the entry file. */
export async function runMain(definition: WorkflowDefinition, options: MainOptions): Promise<void> {
  if (!options.force && !isEntryFile(callerFile())) return;
  const code = await runScript(definition, options);
  process.exitCode = code;
  if (options.exit !== false) process.exit(code);
}

async function runScript(definition: WorkflowDefinition, options: MainOptions): Promise<number> {
  let args: ScriptArgs;
  try {
    args = parseScriptArgs(options.args ?? process.argv.slice(2));
  } catch (error) {
    return reportEarlyError(definition, error, wantsJson(options.args ?? process.argv.slice(2)));
  }
  const script = process.argv[1] ? path.relative(process.cwd(), process.argv[1]) || process.argv[1] : "<script>";
  if (args.help) {
    process.stdout.write(scriptHelp(definition.name, script));
    return ExitCode.Ok;
  }
  const style = args.log ?? (process.stderr.isTTY ? "pretty" : "plain");
  const listeners: RunEventListener[] = [createConsoleReporter(style)];
  if (definition.userOptions.onEvent) listeners.push(definition.userOptions.onEvent);
  let alerts: AlertListener;
  try {
    alerts = createAlertListener(definition.userOptions.alerts);
  } catch (error) {
    return reportEarlyError(definition, error, args.json);
  }
  if (alerts.listener) listeners.push(alerts.listener);
  // STEPLOG_DATABASE_URL selects the PostgreSQL store (pg is loaded only then); otherwise the file store.
  const selection = { dir: args.dir ?? definition.userOptions.dir };
  let store: Store;
  try {
    store = definition.userOptions.store ?? (await storeFromOptions(selection));
  } catch (error) {
    return reportEarlyError(definition, error, args.json);
  }
  const ownsStore = definition.userOptions.store === undefined && selectedDatabaseUrl(selection) !== undefined;
  const stateDir = definition.userOptions.store === undefined && !ownsStore ? resolveStateDir(selection.dir) : undefined;
  const shutdown = new AbortController();
  let signalName: string | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (signalName !== undefined) process.exit(SIGNAL_EXIT[name] ?? 1); // a second signal: stop now
    signalName = name;
    process.stderr.write(`[steplog] ${name} received: stopping in-flight steps; the run stays resumable\n`);
    shutdown.abort(new Error(`${name} received`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // An exception nothing catches (a detached promise of the workflow code): stop like on a signal, so the run
  // stays resumable and the lock is released, then exit 20 with an abnormal-exit alert.
  let crash: unknown;
  const onCrash = (error: unknown) => {
    if (crash !== undefined) return;
    crash = error;
    process.stderr.write(`[steplog] uncaught error outside any step: ${storeError(error).stack ?? storeError(error).message}
`);
    shutdown.abort(error);
  };
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  // A script owns its process: keep it alive while the run waits on promises without handles of their own
  // (a step awaiting its signal, a cancellation to arrive).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let outcome: RunOutcome;
  try {
    outcome = await executeRun({
      definition, store, input: args.input, inputGiven: args.inputGiven,
      key: args.key ?? definition.name, keyExplicit: args.key !== undefined,
      ...(args.runId !== undefined ? { runId: args.runId } : {}),
      fresh: args.fresh, onLocked: options.onLocked ?? "skip", suspendable: true, shutdown: shutdown.signal,
      listeners, entry: currentEntry(),
    });
    await closeBreakers(store);
  } finally {
    if (ownsStore) await store.close().catch(() => undefined);
    clearInterval(keepAlive);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  }
  const code = crash !== undefined && outcome.status === "interrupted"
    ? reportCrash(definition, outcome.runId, crash, args.json)
    : report(definition, outcome, args, script, signalName, stateDir);
  if (outcome.status === "interrupted" && outcome.runId) {
    const cause = crash !== undefined ? `an uncaught error (${storeError(crash).message})` : (signalName ?? "a signal");
    void alerts.send({
      kind: "abnormal-exit", workflow: definition.name, runId: outcome.runId, at: Date.now(), exitCode: code,
      title: `${definition.name}: stopped by ${cause}`,
      message: `run ${outcome.runId} was stopped by ${cause} (exit ${code}); it stays resumable`,
    });
  }
  await alerts.settled();
  return code;
}

function wantsJson(args: string[]): boolean {
  return args.includes("--json");
}

function reportEarlyError(definition: WorkflowDefinition, error: unknown, json: boolean): number {
  const exitCode = error instanceof UsageError ? ExitCode.Usage : exitCodeFor(error, false);
  const stored = storeError(error);
  process.stderr.write(`[steplog] ${stored.message}\n`);
  if (json) writeEnvelope({ schemaVersion: ENVELOPE_SCHEMA_VERSION, ok: false, status: "failed", exitCode, runId: null, workflow: definition.name, error: envelopeError(stored) });
  return exitCode;
}

function reportCrash(definition: WorkflowDefinition, runId: string, error: unknown, json: boolean): number {
  const stored = storeError(error);
  process.stderr.write(`[steplog] run ${runId} stopped; fix the error and rerun the same command to resume it\n`);
  if (json) writeEnvelope({ schemaVersion: ENVELOPE_SCHEMA_VERSION, ok: false, status: "failed", exitCode: ExitCode.WorkflowError, runId, workflow: definition.name, error: envelopeError(stored) });
  return ExitCode.WorkflowError;
}

function report(definition: WorkflowDefinition, outcome: RunOutcome, args: ScriptArgs, script: string, signalName: string | undefined, stateDir: string | undefined): number {
  const base = { schemaVersion: ENVELOPE_SCHEMA_VERSION, workflow: definition.name, runId: outcome.runId ?? null };
  let envelope: Envelope;
  switch (outcome.status) {
    case "completed":
      if (outcome.replayed) process.stderr.write(`[steplog] run ${outcome.runId} already completed; printing its recorded result (use --fresh for a new run)\n`);
      envelope = { ...base, ok: true, status: "completed", exitCode: ExitCode.Ok, result: toPrintable(outcome.result) };
      if (!args.json && outcome.result !== undefined) process.stdout.write(JSON.stringify(toPrintable(outcome.result), null, 2) + "\n");
      break;
    case "skipped": {
      const owner = outcome.owner;
      process.stderr.write(`[steplog] ${definition.name} (key ${outcome.key}) is already running${owner ? ` (pid ${owner.pid} on ${owner.host} since ${new Date(owner.since).toISOString()})` : ""}; skipped\n`);
      envelope = { ...base, ok: true, status: "skipped", exitCode: ExitCode.Ok };
      break;
    }
    case "waiting": {
      const resume = resumeCommand(outcome.wait, outcome.runId, script, stateDir);
      const until = outcome.wait.until === null ? undefined : new Date(outcome.wait.until).toISOString();
      const what = outcome.wait.kind === "event" ? `event '${outcome.wait.event}'${until ? ` (times out ${until})` : ""}` : `its wake time ${until}`;
      process.stderr.write(`[steplog] run ${outcome.runId} is waiting for ${what}.\n[steplog] to continue: ${resume}\n`);
      envelope = { ...base, ok: true, status: "waiting", exitCode: ExitCode.Waiting, wait: { kind: outcome.wait.kind, ...(outcome.wait.event !== undefined ? { event: outcome.wait.event } : {}), ...(until ? { until } : {}), resume } };
      break;
    }
    case "cancelled":
      process.stderr.write(`[steplog] run ${outcome.runId} was cancelled${outcome.reason ? `: ${outcome.reason}` : ""}\n`);
      envelope = { ...base, ok: false, status: "cancelled", exitCode: ExitCode.Cancelled };
      break;
    case "interrupted": {
      const exitCode = SIGNAL_EXIT[signalName ?? ""] ?? 143;
      process.stderr.write(`[steplog] run ${outcome.runId} stopped by ${signalName ?? "a signal"}; rerun the same command to resume it\n`);
      envelope = { ...base, ok: false, status: "interrupted", exitCode };
      break;
    }
    case "failed": {
      const stored = storeError(outcome.error);
      if (outcome.runId === undefined || outcome.exitCode === ExitCode.Usage || outcome.exitCode >= 60) process.stderr.write(`[steplog] ${stored.message}\n`);
      if (outcome.exitCode === ExitCode.Internal && stored.stack) process.stderr.write(`${stored.stack}\nThis is a bug in steplog; please report it with the lines above.\n`);
      envelope = { ...base, ok: false, status: "failed", exitCode: outcome.exitCode, error: envelopeError(stored) };
      break;
    }
  }
  if (args.json) writeEnvelope(envelope);
  return envelope.exitCode;
}

function writeEnvelope(envelope: Envelope): void {
  process.stdout.write(JSON.stringify(envelope) + "\n");
}
