/**
 * `steplog inspect <run>`: the run as a readable timeline.
 */
import type { Command } from "../command.js";
import { notes, runHeaderLines, timelineLines } from "../render-timeline.js";
import { loadKnownRun } from "../runs.js";
import { buildTimeline } from "../timeline.js";

/**
 * The `inspect` command.
 *
 * @example
 * ```sh
 * steplog inspect 01JD3Q8Z9X4M2N7P5R6S8T0V1W
 * ```
 */
export const inspectCommand: Command = {
  name: "inspect",
  summary: "show a run as a timeline of its steps",
  usage: "steplog inspect <run>",
  options: {},
  positionals: [1, 1],
  help: `Draws a run as a timeline: a header (workflow, key, status, start, duration, code hash), then one line
per journaled call in call order with its status (✓ done, ✗ failed, ? in doubt, … waiting), attempts,
duration and a bar scaled to the whole run, and marks: replayed (recorded by an earlier process and reused),
in doubt (started, no result: the process stopped inside it), orphaned (a later execution called something
else at that call number). A failed step shows its error and stack; the end lists waits, the failure, and
a discarded torn last line, if any.

Examples:
  steplog inspect 01JD3Q8Z9X4M2N7P5R6S8T0V1W
  steplog inspect 01JD3Q8Z9X4M2N7P5R6S8T0V1W --json    # header, timeline and records`,
  async run(cli) {
    const run = await loadKnownRun(cli, cli.args[0]);
    const timeline = buildTimeline(run);
    const inbox = await cli.store().inbox(run.header.runId);
    cli.result({ header: run.header, ...timeline, tornTail: run.tornTail ?? null, location: run.location, inbox }, () => {
      const c = cli.color;
      const lines = [...runHeaderLines(run, timeline, c), "", ...timelineLines(run, timeline, c), "", ...notes(run, timeline, c)];
      const pending = inbox.filter((m) => !run.records.some((r) => r.type === "event" && r.messageId === m.messageId));
      if (pending.length > 0) lines.push(`inbox: ${pending.map((m) => `'${m.event}'`).join(", ")} delivered, not yet consumed`);
      return lines.join("\n");
    });
    return 0;
  },
};
