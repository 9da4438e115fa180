/**
 * `steplog list [--workflow W] [--status S] [--limit N]`: runs, newest first.
 */
import { UsageError } from "../../errors.js";
import { checkWorkflowName } from "../../names.js";
import type { RunStatus } from "../../store/store.js";
import type { Command } from "../command.js";
import { formatMs, formatTime, printable, statusText, table } from "../format.js";

const STATUSES: readonly RunStatus[] = ["running", "waiting", "completed", "failed", "cancelled"];
const DEFAULT_LIMIT = 50;

/**
 * The `list` command.
 *
 * @example
 * ```sh
 * steplog list --workflow nightly-report --status failed --limit 10
 * ```
 */
export const listCommand: Command = {
  name: "list",
  summary: "list runs, newest first",
  usage: "steplog list [--workflow W] [--status S] [--limit N]",
  options: { workflow: { type: "string" }, status: { type: "string" }, limit: { type: "string" } },
  flagHelp: `  --workflow W   only runs of this workflow
  --status S     only runs with this status: ${STATUSES.join(", ")} (comma-separated for several)
  --limit N      at most N runs (default ${DEFAULT_LIMIT}; 0 for all)`,
  positionals: [0, 0],
  help: `Lists the runs of the state directory, newest first. 'running' also covers a run whose process died:
it is resumable ('steplog resume <run>').

Examples:
  steplog list
  steplog list --status failed,waiting
  steplog list --workflow nightly-report --json`,
  async run(cli) {
    const workflow = cli.string("workflow");
    if (workflow !== undefined) checkWorkflowName(workflow);
    const status = parseStatuses(cli.string("status"));
    const limit = parseLimit(cli.string("limit"));
    const runs = await cli.store().listRuns({
      ...(workflow !== undefined ? { workflow } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(limit > 0 ? { limit: limit + 1 } : {}),
    });
    const more = limit > 0 && runs.length > limit;
    const shown = more ? runs.slice(0, limit) : runs;
    const c = cli.color;
    cli.result(shown, () => {
      if (shown.length === 0) return `no runs in ${cli.where}${workflow || status ? " match" : ""}`;
      const rows = [["RUN ID", "WORKFLOW", "KEY", "STATUS", "STARTED", "UPDATED"].map((h) => c.bold(h))];
      for (const r of shown) {
        rows.push([r.runId, r.workflow, printable(clip(r.key)), statusText(r.status, c), formatTime(r.startedAt), `${formatMs(Date.now() - r.updatedAt)} ago`]);
      }
      return table(rows) + (more ? `\n${c.dim(`(showing the newest ${limit}; use --limit N or 0 for all)`)}` : "");
    });
    return 0;
  },
};

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function parseStatuses(raw: string | undefined): RunStatus[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(",").map((s) => s.trim());
  for (const s of list) {
    if (!(STATUSES as readonly string[]).includes(s)) throw new UsageError(`--status must be one of ${STATUSES.join(", ")}, got ${JSON.stringify(s.slice(0, 40))}`);
  }
  return list as RunStatus[];
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,9}$/.test(raw)) throw new UsageError(`--limit must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 40))}`);
  return Number(raw);
}
