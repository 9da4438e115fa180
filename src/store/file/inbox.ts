/**
 * The file store's inbox: events delivered to a run while it is not in memory, and cancellation requests.
 * One file per message (`<messageId>.json`, written atomically), `cancel.json` for a cancellation.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PersistenceError, messageOf } from "../../errors.js";
import type { EncodedValue } from "../../journal/records.js";
import type { InboxMessage } from "../store.js";
import { ensureDir, removeEmptyDir, writeFileAtomic, type Layout } from "./layout.js";
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

/**
 * Calls `onChange` when something arrives in a run's inbox: inotify through fs.watch, plus a one-second
 * unreferenced poll for file systems where watching is unreliable (NFS).
 *
 * A run's inbox directory is made by the first delivery, not for every run: until it exists the shared `inbox/`
 * directory is watched for it (a directory made and removed per run costs two blocking metadata operations that
 * wait behind other runs' fsyncs). Once it appears it is watched itself, then `onChange` runs, so a message
 * written in between is read either way.
 */
export function watchInboxDir(layout: Layout, runId: string, onChange: () => void): () => void {
  const dir = layout.inboxDir(runId);
  const parent = path.dirname(dir);
  ensureDir(parent, layout.root);
  let watcher: fs.FSWatcher | undefined;
  let stopped = false;
  const watchRunDir = (): void => {
    if (watcher !== undefined || stopped) return;
    try {
      watcher = fs.watch(dir, { persistent: false }, () => onChange());
      watcher.on("error", () => undefined);
    } catch {
      watcher = undefined;
    }
  };
  let parentWatcher: fs.FSWatcher | undefined;
  try {
    parentWatcher = fs.watch(parent, { persistent: false }, (_event, name) => {
      if (name !== null && String(name) !== runId) return;
      watchRunDir();
      onChange();
    });
    parentWatcher.on("error", () => undefined);
  } catch {
    parentWatcher = undefined;
  }
  if (fs.existsSync(dir)) {
    ensureDir(dir, layout.root); // refuses a symbolic link, as before a delivery
    watchRunDir();
  }
  let last = signature(dir);
  const timer = setInterval(() => {
    const now = signature(dir);
    if (now !== last) {
      last = now;
      onChange();
    }
  }, 1000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    watcher?.close();
    parentWatcher?.close();
    removeEmptyDir(dir); // when something was delivered, messages stay for inspection and later waits
  };
}

function signature(dir: string): string {
  try {
    return fs.readdirSync(dir).sort().join("|");
  } catch {
    return "";
  }
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
