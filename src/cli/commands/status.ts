/**
 * `steplog status <run>`: a one-screen summary of a run and what to do next.
 */
import { formatTime, printable } from "../format.js";
import type { Command } from "../command.js";
import { notes, runHeaderLines } from "../render-timeline.js";
import { dirFlag, loadKnownRun, scriptCommand } from "../runs.js";
import { buildTimeline } from "../timeline.js";

/**
 * The `status` command.
 *
 * @example
 * ```sh
 * steplog status 01JD3Q8Z9X4M2N7P5R6S8T0V1W --json
 * ```
 */
export const statusCommand: Command = {
  name: "status",
  summary: "summarize a run: where it stands and what to do next",
  usage: "steplog status <run>",
  options: {},
  positionals: [1, 1],
  help: `Summarizes a run on one screen: its header, how many steps completed, the current or last step, what it
waits for, its error, and the command that continues it.

Examples:
  steplog status 01JD3Q8Z9X4M2N7P5R6S8T0V1W
  steplog status 01JD3Q8Z9X4M2N7P5R6S8T0V1W --json`,
  async run(cli) {
    const run = await loadKnownRun(cli, cli.args[0]);
    const t = buildTimeline(run);
    const steps = t.calls.filter((x) => x.kind === "step" || x.kind === "child");
    const done = steps.filter((x) => x.status === "ok").length;
    const last = t.calls.filter((x) => x.kind !== "patch").at(-1);
    const resumable = t.status !== "completed" && t.status !== "cancelled" && !t.end?.compensated;
    const next = resumable ? `steplog resume ${run.header.runId}${dirFlag(cli)}` : null;
    const summary = {
      runId: run.header.runId, workflow: run.header.workflow, key: run.header.key, status: t.status,
      startedAt: run.header.startedAt, updatedAt: t.lastAt, steps: { total: steps.length, completed: done },
      last: last ? { key: last.key, kind: last.kind, status: last.status } : null,
      wait: t.suspend?.wait ?? null, error: t.end?.error ?? null, next, script: scriptCommand(run.header, cli) ?? null,
    };
    cli.result(summary, () => {
      const c = cli.color;
      const lines = [...runHeaderLines(run, t, c), ""];
      lines.push(`steps      ${done}/${steps.length} completed${last ? `; last: '${printable(last.key)}' (${last.status})` : ""}`);
      if (t.end) lines.push(`ended      ${formatTime(t.end.at)}`);
      lines.push(...notes(run, t, c).filter((l) => !l.includes("journal:")));
      if (next) lines.push("", `to continue: ${next}`);
      return lines.join("\n");
    });
    return 0;
  },
};
