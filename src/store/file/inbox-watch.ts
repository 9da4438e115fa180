/**
 * Watching the inboxes of the runs a process has in memory, for events and cancellation requests: inotify
 * through fs.watch, plus a one-second unreferenced poll for file systems where watching is unreliable (NFS).
 *
 * One watcher of the shared `inbox/` directory and one poll timer serve every run of the store; a run's own
 * directory is watched only once something was delivered to it. So starting a run costs no watcher and no
 * timer of its own, and a process with many runs in memory keeps two handles, not two per run.
 *
 * Hazard: the shared watcher stays until the store closes, also while no run is in memory (both handles are
 * unreferenced, so they keep no process alive). Adding an inotify watch walks every cached entry of `inbox/`,
 * including the negative ones each run's lookup of its own directory leaves, so restarting it whenever the
 * count of runs in memory drops to zero cost a long-lived process more with every run it had run.
 */
import { fs, path } from "../../builtins.js";
import type { FSWatcher } from "node:fs";
import { ensureDir, removeEmptyDir, type Layout } from "./layout.js";

/** One run's inbox as watched. */
interface WatchedInbox {
  dir: string;
  listeners: Set<() => void>;
  /** The run directory's own watcher, once the directory exists. */
  watcher: FSWatcher | undefined;
  /** The directory's entries at the last poll. */
  lastSeen: string;
}

/** The inbox watchers of one file store. */
export class InboxWatchers {
  private readonly runs = new Map<string, WatchedInbox>();
  private parentWatcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(private readonly layout: Layout) {}

  /**
   * Calls `onChange` when something arrives in the inbox of run `runId`; returns the function that stops it. A
   * message written before the run directory's own watcher starts is still reported: the shared directory's
   * watcher sees the run directory appear, starts watching it, then calls `onChange`.
   */
  watch(runId: string, onChange: () => void): () => void {
    let inbox = this.runs.get(runId);
    if (inbox === undefined) {
      const dir = this.layout.inboxDir(runId);
      this.start(path.dirname(dir));
      inbox = { dir, listeners: new Set(), watcher: undefined, lastSeen: "" };
      this.runs.set(runId, inbox);
      if (fs.existsSync(dir)) {
        ensureDir(dir, this.layout.root); // refuses a symbolic link, as before a delivery
        inbox.lastSeen = entriesOf(dir);
        watchRunDir(inbox);
      }
    }
    const listener = (): void => onChange();
    inbox.listeners.add(listener);
    const watched = inbox;
    return () => {
      watched.listeners.delete(listener);
      if (watched.listeners.size > 0 || this.runs.get(runId) !== watched) return;
      this.runs.delete(runId);
      watched.watcher?.close();
      removeEmptyDir(watched.dir); // when something was delivered, messages stay for inspection and later waits
    };
  }

  /** Stops watching every inbox. */
  closeAll(): void {
    for (const inbox of this.runs.values()) inbox.watcher?.close();
    this.runs.clear();
    this.stop();
  }

  private start(parent: string): void {
    if (this.parentWatcher === undefined) {
      ensureDir(parent, this.layout.root);
      try {
        const watcher = fs.watch(parent, { persistent: false }, (_event, name) => {
          if (name === null) {
            for (const inbox of this.runs.values()) changed(inbox);
            return;
          }
          const inbox = this.runs.get(String(name));
          if (inbox !== undefined) changed(inbox);
        });
        // A watcher that failed (its directory removed) is replaced when the next run is watched; the poll covers the gap.
        watcher.on("error", () => {
          watcher.close();
          if (this.parentWatcher === watcher) this.parentWatcher = undefined;
        });
        this.parentWatcher = watcher;
      } catch {
        this.parentWatcher = undefined;
      }
    }
    if (this.poll !== undefined) return;
    this.poll = setInterval(() => {
      for (const inbox of this.runs.values()) {
        const now = entriesOf(inbox.dir);
        if (now === inbox.lastSeen) continue;
        inbox.lastSeen = now;
        notify(inbox);
      }
    }, 1000);
    this.poll.unref();
  }

  private stop(): void {
    clearInterval(this.poll);
    this.poll = undefined;
    this.parentWatcher?.close();
    this.parentWatcher = undefined;
  }
}

/** The run directory appeared or changed: watch it (when not yet), then tell the listeners. */
function changed(inbox: WatchedInbox): void {
  watchRunDir(inbox);
  notify(inbox);
}

function watchRunDir(inbox: WatchedInbox): void {
  if (inbox.watcher !== undefined) return;
  try {
    inbox.watcher = fs.watch(inbox.dir, { persistent: false }, () => notify(inbox));
    inbox.watcher.on("error", () => undefined);
  } catch {
    inbox.watcher = undefined; // not there (yet): the shared watcher or the poll reports it
  }
}

function notify(inbox: WatchedInbox): void {
  for (const listener of [...inbox.listeners]) listener();
}

function entriesOf(dir: string): string {
  try {
    return fs.readdirSync(dir).sort().join("|");
  } catch {
    return "";
  }
}
