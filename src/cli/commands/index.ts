/**
 * Every `steplog` command, in the order `steplog --help` lists them.
 */
import type { Command } from "../command.js";
import { cancelCommand } from "./cancel.js";
import { checkCommand } from "./check.js";
import { dlqCommand } from "./dlq.js";
import { exportCommand } from "./export.js";
import { forkCommand } from "./fork.js";
import { gcCommand } from "./gc.js";
import { importCommand } from "./import.js";
import { initCommand } from "./init.js";
import { inspectCommand } from "./inspect.js";
import { listCommand } from "./list.js";
import { logsCommand } from "./logs.js";
import { migrateCommand } from "./migrate.js";
import { resumeCommand } from "./resume.js";
import { sendCommand } from "./send.js";
import { statusCommand } from "./status.js";
import { uiCommand } from "./ui.js";
import { unlockCommand } from "./unlock.js";
import { workerCommand } from "./worker.js";

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
  forkCommand, dlqCommand, unlockCommand, checkCommand, gcCommand, migrateCommand, workerCommand, exportCommand,
  importCommand, uiCommand,
];
