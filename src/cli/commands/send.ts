/**
 * `steplog send <runId> <event> [--data JSON|@file]`: delivers an event to a run's inbox.
 */
import { UsageError } from "../../errors.js";
import { parseJsonFlag } from "../../main/args.js";
import { Unserializable, encodeValue } from "../../journal/values.js";
import { checkStepName } from "../../names.js";
import type { Command } from "../command.js";
import { dirFlag, knownRun } from "../runs.js";

/**
 * The `send` command.
 *
 * @example
 * ```sh
 * steplog send 01JD3Q8Z9X4M2N7P5R6S8T0V1W approval --data '{"ok":true}'
 * ```
 */
export const sendCommand: Command = {
  name: "send",
  summary: "deliver an event to a run (it is consumed when the run waits for it)",
  usage: "steplog send <runId> <event> [--data JSON|@file]",
  options: { data: { type: "string" } },
  flagHelp: "  --data JSON|@file  the event's payload as JSON, or @path to read it from a file (default: null)",
  positionals: [2, 2],
  help: `Delivers an event to a run's inbox. A process running the run wakes at once; a suspended run (exit 40)
consumes it when it runs again, where the event is validated against the wait's schema. Events delivered
before the run waits for them are kept and consumed once.

Examples:
  steplog send 01JD3Q8Z9X4M2N7P5R6S8T0V1W approval --data '{"ok":true}'
  steplog send 01JD3Q8Z9X4M2N7P5R6S8T0V1W payload --data @payload.json
  steplog resume 01JD3Q8Z9X4M2N7P5R6S8T0V1W        # then continue a suspended run`,
  async run(cli) {
    const [id, event] = cli.args;
    checkStepName(event);
    const data = parseData(cli.string("data"));
    const summary = await knownRun(cli, id);
    if (summary.status === "completed" || summary.status === "cancelled") {
      throw new UsageError(`run ${summary.runId} is ${summary.status}; an event sent to it would never be consumed`);
    }
    const encoded = encodeValue(data, "data");
    if (encoded instanceof Unserializable) throw new UsageError(`--data has ${encoded.reason} at ${encoded.path}`);
    const message = await cli.store().sendEvent(summary.runId, event!, encoded, Date.now());
    const next = `steplog resume ${summary.runId}${dirFlag(cli)}`;
    cli.result({ ok: true, runId: summary.runId, event, messageId: message.messageId, status: summary.status, next }, () =>
      [
        `delivered event '${event}' to run ${summary.runId} (${summary.workflow}, ${summary.status}; message ${message.messageId})`,
        summary.status === "running"
          ? "a process running it picks it up at once; if none is running, continue it with:"
          : "continue the run with:",
        `  ${next}`,
      ].join("\n"),
    );
    return 0;
  },
};

function parseData(raw: string | undefined): unknown {
  return raw === undefined ? null : parseJsonFlag("--data", raw, `'{"ok":true}'`, "payload.json");
}
