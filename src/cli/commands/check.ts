/**
 * `steplog check <journal...> --module <file> [--workflow NAME]`: replays saved journals against the current
 * workflow code without running any step.
 */
import { path } from "../../builtins.js";
import { UsageError, messageOf } from "../../errors.js";
import { readJournal } from "../../journal/reader.js";
import { checkWorkflowName } from "../../names.js";
import { checkReplay, type ReplayCheck } from "../../run/check-replay.js";
import type { Command } from "../command.js";
import { loadWorkflows } from "../workflow-module.js";

/**
 * The `check` command.
 *
 * @example
 * ```sh
 * steplog check .steplog/runs/nightly-report/*.jsonl --module ./nightly.mjs
 * ```
 */
export const checkCommand: Command = {
  name: "check",
  summary: "replay saved journals against the current code, running no step (CI check)",
  usage: "steplog check <journal...> --module <file> [--workflow NAME]",
  options: { module: { type: "string" }, workflow: { type: "string" } },
  flagHelp: `  --module FILE    the module exporting the workflow(s) (imported; its main() does not run)
  --workflow NAME  check every journal against this workflow (default: the one named in each journal)`,
  positionals: [1, Infinity],
  help: `The offline "will my change break in-flight runs" test. Each journal is replayed against the workflow
function exported by --module: every call the code makes is compared (key and kind, in order) with the
journal, recorded results are returned, and no step runs. The replay stops at the first call the journal
has no result for (where the run would continue). Each journal is reported as
  compatible                            the code replays the whole journal
  compatible (N steps not yet reached)  the replay stopped where the run stands; N recorded calls lie beyond
  diverges at #n: journal has step 'x', code called 'y'
Exits 0 when every journal is compatible, 80 otherwise.

Examples:
  steplog check .steplog/runs/nightly-report/01JD3Q8Z9X4M2N7P5R6S8T0V1W.jsonl --module ./nightly.mjs
  steplog check saved/*.jsonl --module dist/workflows.js --workflow nightly-report --json`,
  async run(cli) {
    const modulePath = cli.string("module");
    if (modulePath === undefined) throw new UsageError("give the workflow module: --module ./my-workflow.mjs");
    const forced = cli.string("workflow");
    if (forced !== undefined) checkWorkflowName(forced);
    const workflows = await loadWorkflows(modulePath);
    const reports: { journal: string; workflow: string; runId: string | null; verdict: ReplayCheck | { compatible: false; message: string } }[] = [];
    for (const file of cli.args) {
      let entry: (typeof reports)[number];
      try {
        const journal = readJournal(path.resolve(file));
        const name = forced ?? journal.header.workflow;
        const definition = workflows.get(name)?.definition;
        if (definition === undefined) throw new UsageError(`${modulePath} exports no workflow '${name}' (it exports ${[...workflows.keys()].join(", ") || "none"}); use --workflow NAME`);
        entry = { journal: file, workflow: name, runId: journal.header.runId, verdict: await checkReplay(definition.fn, journal.header, journal.records) };
      } catch (error) {
        entry = { journal: file, workflow: forced ?? "?", runId: null, verdict: { compatible: false, message: messageOf(error) } };
      }
      reports.push(entry);
    }
    const allOk = reports.every((r) => r.verdict.compatible);
    const c = cli.color;
    cli.result({ ok: allOk, journals: reports }, () =>
      reports.map((r) => `${r.journal}: ${r.verdict.compatible ? c.green(describe(r.verdict)) : c.red(describe(r.verdict))}`).join("\n"),
    );
    return allOk ? 0 : 80;
  },
};

function describe(v: ReplayCheck): string {
  if (!v.compatible) return v.seq !== undefined && /^journal has/.test(v.message) ? `diverges at #${v.seq}: ${v.message.replace(/ at #\d+/, "").split(";")[0]}` : `cannot check: ${v.message}`;
  if (v.unreached.length > 0) return `compatible (${v.unreached.length} step${v.unreached.length === 1 ? "" : "s"} not yet reached)`;
  return "compatible";
}
