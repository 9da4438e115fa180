/**
 * What `main()` prints when a run has ended (or could not start): a line on stderr, the result or the `--json`
 * envelope on stdout, and the exit code of DESIGN 10. Loaded once the run is over, not before its first step.
 */
import { UsageError } from "../errors.js";
import { ExitCode, exitCodeFor } from "../exit-codes.js";
import { storeError } from "../journal/values.js";
import type { RunOutcome } from "../run/execute.js";
import { writeStderr, writeStdout } from "../report/stdio.js";
import type { WorkflowDefinition } from "../workflow-definition.js";
import type { ScriptArgs } from "./args.js";
import { ENVELOPE_SCHEMA_VERSION, envelopeError, resumeCommand, toPrintable, type Envelope } from "./envelope.js";

/**
 * Reports an error before any run was picked (bad flags, alert configuration, store); returns the exit code.
 *
 * @example
 * ```ts
 * return reportEarlyError(definition, new UsageError("--input is not JSON"), args.json); // 10
 * ```
 */
export function reportEarlyError(definition: WorkflowDefinition, error: unknown, json: boolean): number {
  const exitCode = error instanceof UsageError ? ExitCode.Usage : exitCodeFor(error, false);
  const stored = storeError(error);
  writeStderr(`[steplog] ${stored.message}\n`);
  if (json) writeEnvelope({ schemaVersion: ENVELOPE_SCHEMA_VERSION, ok: false, status: "failed", exitCode, runId: null, workflow: definition.name, error: envelopeError(stored) });
  return exitCode;
}

/**
 * Reports a run stopped by an uncaught error outside any step; returns the exit code (20).
 *
 * @example
 * ```ts
 * const code = reportCrash(definition, outcome.runId, crash, args.json);
 * ```
 */
export function reportCrash(definition: WorkflowDefinition, runId: string, error: unknown, json: boolean): number {
  const stored = storeError(error);
  writeStderr(`[steplog] run ${runId} stopped; fix the error and rerun the same command to resume it\n`);
  if (json) writeEnvelope({ schemaVersion: ENVELOPE_SCHEMA_VERSION, ok: false, status: "failed", exitCode: ExitCode.WorkflowError, runId, workflow: definition.name, error: envelopeError(stored) });
  return ExitCode.WorkflowError;
}

/**
 * Reports how a run ended (stderr line, result or envelope on stdout); returns the exit code of DESIGN 10.
 * `signal` names what stopped an interrupted run, and the exit code that goes with it.
 *
 * @example
 * ```ts
 * const code = reportOutcome(definition, outcome, args, "sync.mjs", { name: "SIGTERM", exitCode: 143 }, ".steplog");
 * ```
 */
export function reportOutcome(
  definition: WorkflowDefinition, outcome: RunOutcome, args: ScriptArgs, script: string,
  signal: { name: string; exitCode: number }, stateDir: string | undefined,
): number {
  const base = { schemaVersion: ENVELOPE_SCHEMA_VERSION, workflow: definition.name, runId: outcome.runId ?? null };
  let envelope: Envelope;
  switch (outcome.status) {
    case "completed":
      if (outcome.replayed) writeStderr(`[steplog] run ${outcome.runId} already completed; printing its recorded result (use --fresh for a new run)\n`);
      envelope = { ...base, ok: true, status: "completed", exitCode: ExitCode.Ok, result: toPrintable(outcome.result) };
      if (!args.json && outcome.result !== undefined) writeStdout(JSON.stringify(toPrintable(outcome.result), null, 2) + "\n");
      break;
    case "skipped": {
      const owner = outcome.owner;
      writeStderr(`[steplog] ${definition.name} (key ${outcome.key}) is already running${owner ? ` (pid ${owner.pid} on ${owner.host} since ${new Date(owner.since).toISOString()})` : ""}; skipped\n`);
      envelope = { ...base, ok: true, status: "skipped", exitCode: ExitCode.Ok };
      break;
    }
    case "waiting": {
      const resume = resumeCommand(outcome.wait, outcome.runId, script, stateDir);
      const until = outcome.wait.until === null ? undefined : new Date(outcome.wait.until).toISOString();
      const what = outcome.wait.kind === "event" ? `event '${outcome.wait.event}'${until ? ` (times out ${until})` : ""}` : `its wake time ${until}`;
      writeStderr(`[steplog] run ${outcome.runId} is waiting for ${what}.\n[steplog] to continue: ${resume}\n`);
      envelope = { ...base, ok: true, status: "waiting", exitCode: ExitCode.Waiting, wait: { kind: outcome.wait.kind, ...(outcome.wait.event !== undefined ? { event: outcome.wait.event } : {}), ...(until ? { until } : {}), resume } };
      break;
    }
    case "cancelled":
      writeStderr(`[steplog] run ${outcome.runId} was cancelled${outcome.reason ? `: ${outcome.reason}` : ""}\n`);
      envelope = { ...base, ok: false, status: "cancelled", exitCode: ExitCode.Cancelled };
      break;
    case "interrupted": {
      const exitCode = signal.exitCode;
      writeStderr(`[steplog] run ${outcome.runId} stopped by ${signal.name}; rerun the same command to resume it\n`);
      envelope = { ...base, ok: false, status: "interrupted", exitCode };
      break;
    }
    case "failed": {
      const stored = storeError(outcome.error);
      if (outcome.runId === undefined || outcome.exitCode === ExitCode.Usage || outcome.exitCode >= 60) writeStderr(`[steplog] ${stored.message}\n`);
      if (outcome.exitCode === ExitCode.Internal && stored.stack) writeStderr(`${stored.stack}\nThis is a bug in steplog; please report it with the lines above.\n`);
      envelope = { ...base, ok: false, status: "failed", exitCode: outcome.exitCode, error: envelopeError(stored) };
      break;
    }
  }
  if (args.json) writeEnvelope(envelope);
  return envelope.exitCode;
}

function writeEnvelope(envelope: Envelope): void {
  writeStdout(JSON.stringify(envelope) + "\n");
}
