/**
 * `wf.main()`: the script entry. Owns the process: parses flags, installs signal handlers, runs, prints the
 * result (or the `--json` envelope) on stdout, reports on stderr, and exits with the code of DESIGN 10.
 */
import { path } from "../builtins.js";
import type { RunEventListener } from "../events.js";
import { ExitCode } from "../exit-codes.js";
import { storeError } from "../journal/values.js";
import { closeBreakers } from "../policies/breaker-registry.js";
import { createAlertListener, type AlertListener } from "../report/alert-listener.js";
import { createStderrReporter } from "../report/console-reporter.js";
import { stderrIsTerminal, writeStderr, writeStdout } from "../report/stdio.js";
import { executeRun, type RunOutcome } from "../run/execute.js";
import { selectedDatabaseUrl, storeFromOptions } from "../store/postgres/select-store.js";
import type { Store } from "../store/store.js";
import { resolveStateDir } from "../options.js";
import type { WorkflowDefinition } from "../workflow-definition.js";
import { parseScriptArgs, scriptHelp, type ScriptArgs } from "./args.js";
import { callerFile, currentEntry, isEntryFile } from "./entry.js";
import type { MainOptions } from "./main-options.js";
import * as reporting from "./report-outcome.js";

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

const loadReporting = async () => reporting;

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
    return (await loadReporting()).reportEarlyError(definition, error, wantsJson(options.args ?? process.argv.slice(2)));
  }
  const script = process.argv[1] ? path.relative(process.cwd(), process.argv[1]) || process.argv[1] : "<script>";
  if (args.help) {
    writeStdout(scriptHelp(definition.name, script));
    return ExitCode.Ok;
  }
  const style = args.log ?? (stderrIsTerminal() ? "pretty" : "plain");
  const listeners: RunEventListener[] = [await createStderrReporter(style)];
  if (definition.userOptions.onEvent) listeners.push(definition.userOptions.onEvent);
  let alerts: AlertListener;
  try {
    alerts = await createAlertListener(definition.userOptions.alerts);
  } catch (error) {
    return (await loadReporting()).reportEarlyError(definition, error, args.json);
  }
  if (alerts.listener) listeners.push(alerts.listener);
  // STEPLOG_DATABASE_URL selects the PostgreSQL store (pg is loaded only then); otherwise the file store.
  const selection = { dir: args.dir ?? definition.userOptions.dir };
  let store: Store;
  try {
    store = definition.userOptions.store ?? (await storeFromOptions(selection));
  } catch (error) {
    return (await loadReporting()).reportEarlyError(definition, error, args.json);
  }
  const ownsStore = definition.userOptions.store === undefined && selectedDatabaseUrl(selection) !== undefined;
  const stateDir = definition.userOptions.store === undefined && !ownsStore ? resolveStateDir(selection.dir) : undefined;
  const shutdown = new AbortController();
  let signalName: string | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (signalName !== undefined) process.exit(SIGNAL_EXIT[name] ?? 1); // a second signal: stop now
    signalName = name;
    writeStderr(`[steplog] ${name} received: stopping in-flight steps; the run stays resumable\n`);
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
    writeStderr(`[steplog] uncaught error outside any step: ${storeError(error).stack ?? storeError(error).message}
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
  const { reportCrash, reportOutcome } = await loadReporting();
  const code = crash !== undefined && outcome.status === "interrupted"
    ? reportCrash(definition, outcome.runId, crash, args.json)
    : reportOutcome(definition, outcome, args, script, { name: signalName ?? "a signal", exitCode: SIGNAL_EXIT[signalName ?? ""] ?? 143 }, stateDir);
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
