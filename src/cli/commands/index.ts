/**
 * Every `steplog` command, in the order `steplog --help` lists them.
 */
import type { Command } from "../command.js";
import { cancelCommand } from "./cancel.js";
import { checkCommand } from "./check.js";
import { dlqCommand } from "./dlq.js";
import { gcCommand } from "./gc.js";
import { initCommand } from "./init.js";
import { inspectCommand } from "./inspect.js";
import { listCommand } from "./list.js";
import { logsCommand } from "./logs.js";
import { resumeCommand } from "./resume.js";
import { sendCommand } from "./send.js";
import { statusCommand } from "./status.js";
import { unlockCommand } from "./unlock.js";

/**
 * The commands of the CLI.
 *
 * @example
 * ```ts
 * const command = COMMANDS.find((c) => c.name === "list");
 * ```
 */
export const COMMANDS: readonly Command[] = [
  initCommand, listCommand, statusCommand, inspectCommand, logsCommand, sendCommand, cancelCommand, resumeCommand,
  dlqCommand, unlockCommand, checkCommand, gcCommand,
];
