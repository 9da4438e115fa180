/**
 * `steplog dlq list|show <id>|redrive <id>|purge [--all]`: the dead-letter queue.
 */
import { UsageError } from "../../errors.js";
import { checkRunId } from "../../names.js";
import type { DeadLetterEntry } from "../../store/store.js";
import type { Cli, Command } from "../command.js";
import { formatTime, printable, table } from "../format.js";
import { endedForGood } from "../../journal/records.js";
import { forkStoredRun } from "../../run/fork.js";
import { respawnRun } from "../respawn.js";
import { dirFlag, loadKnownRun } from "../runs.js";

const STATUSES: readonly DeadLetterEntry["status"][] = ["open", "redriven", "resolved"];

/**
 * The `dlq` command.
 *
 * @example
 * ```sh
 * steplog dlq list --status open
 * ```
 */
export const dlqCommand: Command = {
  name: "dlq",
  summary: "list, show, redrive or purge dead-lettered steps",
  usage: "steplog dlq list [--status S] | show <id> | redrive <id> | purge [--all]",
  options: { status: { type: "string" }, all: { type: "boolean" } },
  flagHelp: `  --status S  (list) only entries with this status: ${STATUSES.join(", ")}
  --all       (purge) also remove open entries (default: only redriven and resolved ones)`,
  positionals: [1, 2],
  help: `Steps that failed for good land in the dead-letter queue with their error, attempts and run id. One open
entry per run and step: a rerun that fails the same step again updates it.
  list            entries, newest first
  show <id>       one entry with its error and stack
  redrive <id>    re-run the entry's run (its recorded script with --run-id); when that run already finished
                  (a ctx.map item dead-lettered with continueOnError), re-run only that step in a fork that
                  reuses every other result; marks the entry redriven when the rerun completes, and exits
                  with the script's exit code
  purge [--all]   remove entries that are no longer open (all of them with --all)

Examples:
  steplog dlq list
  steplog dlq show 01JD3QA1B2C3D4E5F6G7H8J9KM
  steplog dlq redrive 01JD3QA1B2C3D4E5F6G7H8J9KM
  steplog dlq purge --all`,
  async run(cli) {
    const [sub, id] = cli.args;
    switch (sub) {
      case "list":
        return list(cli, id);
      case "show":
        return show(cli, await entryOf(cli, id));
      case "redrive":
        return redrive(cli, await entryOf(cli, id));
      case "purge": {
        if (id !== undefined) throw new UsageError("usage: steplog dlq purge [--all]");
        const removed = await cli.store().dlq.purge({ includeOpen: cli.bool("all") });
        cli.result({ ok: true, removed }, () => `removed ${removed} entr${removed === 1 ? "y" : "ies"}${cli.bool("all") ? "" : " (open entries are kept; --all removes them too)"}`);
        return 0;
      }
      default:
        throw new UsageError(`unknown dlq subcommand ${JSON.stringify(String(sub).slice(0, 40))}; use list, show, redrive or purge`);
    }
  },
};

async function list(cli: Cli, extra: string | undefined): Promise<number> {
  if (extra !== undefined) throw new UsageError("usage: steplog dlq list [--status S]");
  const status = cli.string("status");
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`);
  const entries = await cli.store().dlq.list(status === undefined ? {} : { status: status as DeadLetterEntry["status"] });
  const c = cli.color;
  cli.result(entries, () => {
    if (entries.length === 0) return `the dead-letter queue of ${cli.where} is empty`;
    const rows = [["ID", "STATUS", "WORKFLOW", "STEP", "RUN", "ATTEMPTS", "LAST", "ERROR"].map((h) => c.bold(h))];
    for (const e of entries) {
      rows.push([e.id, e.status === "open" ? c.red(e.status) : c.dim(e.status), e.workflow, printable(e.stepKey), e.runId, String(e.attempts) + (e.reruns > 0 ? ` (+${e.reruns} reruns)` : ""), formatTime(e.lastAt), printable(e.error.message.split("\n")[0]!.slice(0, 60))]);
    }
    return table(rows);
  });
  return 0;
}

async function entryOf(cli: Cli, id: string | undefined): Promise<DeadLetterEntry> {
  if (id === undefined) throw new UsageError("give the entry id: steplog dlq show <id> (ids are in 'steplog dlq list')");
  try {
    checkRunId(id);
  } catch {
    throw new UsageError(`invalid dead-letter entry id ${JSON.stringify(id.slice(0, 60))}: an id is a 26-character ULID; see 'steplog dlq list${dirFlag(cli)}'`);
  }
  const entry = await cli.store().dlq.get(id);
  if (entry === undefined) throw new UsageError(`unknown dead-letter entry ${id} in ${cli.where}; see 'steplog dlq list${dirFlag(cli)}'`);
  return entry;
}

function show(cli: Cli, e: DeadLetterEntry): number {
  cli.result(e, () =>
    [
      `entry      ${e.id} (${e.status})`,
      `run        ${e.runId}  (${e.workflow}, key ${printable(e.key)})`,
      `step       ${printable(e.stepKey)}`,
      `attempts   ${e.attempts}${e.reruns > 0 ? `, failed again in ${e.reruns} rerun${e.reruns === 1 ? "" : "s"}` : ""}`,
      `first/last ${formatTime(e.firstAt)} / ${formatTime(e.lastAt)}`,
      `error      ${printable(`${e.error.name}${e.error.code ? ` [${e.error.code}]` : ""}: ${e.error.message}`)}`,
      ...(e.error.stack ? e.error.stack.split("\n").slice(1).map((l) => cli.color.dim(`           ${printable(l.trim())}`)) : []),
      "",
      `redrive:   steplog dlq redrive ${e.id}${dirFlag(cli)}`,
    ].join("\n"),
  );
  return 0;
}

async function redrive(cli: Cli, e: DeadLetterEntry): Promise<number> {
  const run = await loadKnownRun(cli, e.runId);
  let header = run.header;
  if (endedForGood(run.records)) {
    // The run went on without this step (ctx.map with continueOnError) and finished: redrive only the step, in a
    // fork that reuses every other recorded result.
    header = await forkStoredRun(cli.store(), run.header.runId, { steps: [e.stepKey] });
    if (!cli.json) cli.err(`run ${run.header.runId} is finished; re-running step '${e.stepKey}' in run ${header.runId}, forked from it with every other result reused`);
  }
  const code = await respawnRun(cli, header);
  if (code === 0) {
    await cli.store().dlq.setStatus(e.id, "redriven", Date.now());
    if (!cli.json) cli.err(`dead-letter entry ${e.id} marked redriven`);
  } else if (!cli.json) {
    cli.err(`the rerun exited ${code}; dead-letter entry ${e.id} stays ${e.status}`);
  }
  return code;
}

