/**
 * The file store's inbox: events delivered to a run while it is not in memory, and cancellation requests.
 * One file per message (`<messageId>.json`, written atomically), `cancel.json` for a cancellation.
 */
import { fs, path } from "../../builtins.js";
import { PersistenceError, messageOf } from "../../errors.js";
import type { EncodedValue } from "../../journal/records.js";
import type { InboxMessage } from "../store.js";
import { ensureDir, writeFileAtomic, type Layout } from "./layout.js";
import { newUlid } from "../../names.js";

const CANCEL_FILE = "cancel.json";

/** Delivers an event to a run's inbox. */
export function writeInboxMessage(layout: Layout, runId: string, event: string, data: EncodedValue, at: number): InboxMessage {
  const dir = layout.inboxDir(runId);
  ensureDir(dir, layout.root);
  const message: InboxMessage = { messageId: newUlid(at), event, data, at };
  writeFileAtomic(path.join(dir, `${message.messageId}.json`), JSON.stringify(message), true);
  return message;
}

/** All events delivered to a run, oldest first. */
export function readInbox(layout: Layout, runId: string): InboxMessage[] {
  const dir = layout.inboxDir(runId);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new PersistenceError(`cannot read ${dir}: ${messageOf(error)}`, { cause: error });
  }
  const messages: InboxMessage[] = [];
  for (const name of names.sort()) {
    if (!/^[0-9A-Z]{26}\.json$/.test(name)) continue;
    const parsed = readJson(path.join(dir, name));
    if (parsed && typeof parsed.event === "string" && typeof parsed.messageId === "string") messages.push(parsed as unknown as InboxMessage);
  }
  return messages;
}

/** Records a cancellation request for a run. */
export function writeCancelRequest(layout: Layout, runId: string, reason: string | null, at: number): void {
  const dir = layout.inboxDir(runId);
  ensureDir(dir, layout.root);
  writeFileAtomic(path.join(dir, CANCEL_FILE), JSON.stringify({ reason, at }), true);
}

/** The pending cancellation request of a run, if any. */
export function readCancelRequest(layout: Layout, runId: string): { reason: string | null; at: number } | undefined {
  const parsed = readJson(path.join(layout.inboxDir(runId), CANCEL_FILE));
  if (!parsed) return undefined;
  return { reason: typeof parsed.reason === "string" ? parsed.reason : null, at: typeof parsed.at === "number" ? parsed.at : 0 };
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const value: unknown = JSON.parse(fs.readFileSync(fd, "utf8"));
      return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
