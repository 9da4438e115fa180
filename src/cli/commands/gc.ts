/**
 * `steplog gc --older-than <duration> [--dry-run]`: removes finished runs older than an age.
 */
import { UsageError } from "../../errors.js";
import { checkWorkflowName } from "../../names.js";
import type { Command } from "../command.js";
import { formatMs, formatTime, table } from "../format.js";
import { removeRun } from "../remove-run.js";
import { buildTimeline } from "../timeline.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * The `gc` command.
 *
 * @example
 * ```sh
 * steplog gc --older-than 30d --dry-run
 * ```
 */
export const gcCommand: Command = {
  name: "gc",
  summary: "remove finished runs older than an age (never unfinished ones)",
  usage: "steplog gc --older-than <duration> [--workflow W] [--dry-run]",
  options: { "older-than": { type: "string" }, "dry-run": { type: "boolean" }, workflow: { type: "string" } },
  flagHelp: `  --older-than D  age of the last record: a number and a unit (ms, s, m, h, d, w), e.g. 7d, 12h
  --workflow W    only runs of this workflow
  --dry-run       list what would be removed, remove nothing`,
  positionals: [0, 0],
  help: `Removes the journals (and inbox directories) of finished runs whose last record is older than the given
age: completed, cancelled, and failed runs whose compensations ran (final). Running, waiting and failed
(resumable) runs are never removed. Index files are append-only; removed runs disappear from them when read.
On PostgreSQL (--database-url), the same runs' rows are deleted: records, inbox, cancellation request and the
run itself; dead-letter entries stay until 'steplog dlq purge'.

Examples:
  steplog gc --older-than 30d --dry-run
  steplog gc --older-than 12h --workflow nightly-report`,
  async run(cli) {
    const raw = cli.string("older-than");
    if (raw === undefined) throw new UsageError("give the age: steplog gc --older-than 7d (units ms, s, m, h, d, w)");
    const ageMs = parseDuration(raw);
    const workflow = cli.string("workflow");
    if (workflow !== undefined) checkWorkflowName(workflow);
    const store = cli.store();
    const cutoff = Date.now() - ageMs;
    const candidates = await store.listRuns({ status: ["completed", "cancelled", "failed"], ...(workflow !== undefined ? { workflow } : {}) });
    const victims: { runId: string; workflow: string; status: string; endedAt: number }[] = [];
    for (const summary of candidates) {
      if (summary.updatedAt > cutoff) continue;
      const run = await store.loadRun(summary.runId);
      const t = buildTimeline(run);
      const final = t.status === "completed" || t.status === "cancelled" || (t.status === "failed" && t.end?.compensated === true);
      if (!final || t.lastAt > cutoff) continue;
      victims.push({ runId: summary.runId, workflow: summary.workflow, status: t.end?.compensated ? "failed (compensated)" : t.status, endedAt: t.lastAt });
    }
    const dryRun = cli.bool("dry-run");
    const where = cli.databaseUrl === undefined ? { kind: "file" as const, dir: cli.dir } : { kind: "postgres" as const };
    if (!dryRun) for (const v of victims) await removeRun(store, where, v.workflow, v.runId);
    cli.result({ ok: true, dryRun, olderThanMs: ageMs, removed: dryRun ? [] : victims, wouldRemove: dryRun ? victims : [] }, () => {
      if (victims.length === 0) return `no finished runs older than ${formatMs(ageMs)} in ${cli.where}`;
      const rows = victims.map((v) => [v.runId, v.workflow, v.status, formatTime(v.endedAt)]);
      return `${dryRun ? "would remove" : "removed"} ${victims.length} run${victims.length === 1 ? "" : "s"}:\n${table(rows)}`;
    });
    return 0;
  },
};

/**
 * Parses `7d`, `12h`, `30m`, `45s`, `500ms`, `2w` into milliseconds.
 *
 * @example
 * ```ts
 * parseDuration("12h"); // 43_200_000
 * ```
 */
export function parseDuration(raw: string): number {
  const match = /^(\d{1,9})(ms|s|m|h|d|w)$/.exec(raw.trim());
  if (!match) throw new UsageError(`--older-than must be a number and a unit (ms, s, m, h, d, w) such as 7d or 12h, got ${JSON.stringify(raw.slice(0, 40))}`);
  return Number(match[1]) * UNITS[match[2]!]!;
}
