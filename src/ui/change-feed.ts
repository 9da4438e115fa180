/**
 * Noticing that the store changed, for the pages' live updates. The file store is watched with inotify
 * (fs.watch) on a bounded set of directories: the state directory, `runs/`, each `runs/<workflow>/` (journal
 * appends and index lines) and `inbox/`, re-scanned when a workflow appears. Other stores (PostgreSQL) are
 * polled: a fingerprint of recent runs, running runs' record counts, the DLQ and breakers. Either way,
 * listeners are called at most once per `throttleMs`, and nothing is watched while nobody listens.
 */
import { fs, path } from "../builtins.js";
import type { FSWatcher } from "node:fs";
import type { Store } from "../store/store.js";

/** Options of {@link createChangeFeed}. */
export interface ChangeFeedOptions {
  store: Store;
  /** The file store's state directory; without it the store is polled. @default none */
  dir?: string;
  /** How often to poll (PostgreSQL) or to look for a state directory that does not exist yet. @default 1_000 */
  pollMs?: number;
  /** The shortest time between two notifications. @default 150 */
  throttleMs?: number;
}

/** A source of "something changed" notifications. */
export interface ChangeFeed {
  /** Calls `listener` after each change; returns a function that stops. */
  subscribe(listener: () => void): () => void;
  close(): void;
}

/**
 * A change feed on a store.
 *
 * @example
 * ```ts
 * const feed = createChangeFeed({ store, dir: "/srv/app/.steplog" });
 * const stop = feed.subscribe(() => console.log("changed"));
 * ```
 */
export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const listeners = new Set<() => void>();
  const throttleMs = options.throttleMs ?? 150;
  let stopWatching: (() => void) | undefined;
  let last = 0;
  let pending: NodeJS.Timeout | undefined;
  const notify = () => {
    if (pending !== undefined) return;
    const wait = Math.max(0, last + throttleMs - Date.now());
    pending = setTimeout(() => {
      pending = undefined;
      last = Date.now();
      for (const listener of listeners) listener();
    }, wait);
  };
  const start = () =>
    options.dir !== undefined ? watchDirectories(options.dir, notify, options.pollMs ?? 1_000) : pollStore(options.store, notify, options.pollMs ?? 1_000);
  return {
    subscribe(listener) {
      listeners.add(listener);
      stopWatching ??= start();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          stopWatching?.();
          stopWatching = undefined;
        }
      };
    },
    close() {
      listeners.clear();
      stopWatching?.();
      stopWatching = undefined;
      if (pending !== undefined) clearTimeout(pending);
    },
  };
}

function watchDirectories(root: string, onChange: () => void, pollMs: number): () => void {
  const watchers = new Map<string, FSWatcher>();
  const watch = (dir: string, rescan: boolean) => {
    if (watchers.has(dir)) return;
    try {
      const watcher = fs.watch(dir, { persistent: false }, () => {
        if (rescan) scan();
        onChange();
      });
      watcher.on("error", () => {
        watcher.close();
        watchers.delete(dir);
      });
      watchers.set(dir, watcher);
    } catch {
      // not there yet: the next scan watches it
    }
  };
  const scan = () => {
    watch(root, true);
    watch(path.join(root, "inbox"), false);
    const runs = path.join(root, "runs");
    watch(runs, true);
    let names: string[] = [];
    try {
      names = fs.readdirSync(runs);
    } catch {
      return;
    }
    for (const name of names) watch(path.join(runs, name), false);
  };
  scan();
  // A state directory created after the dashboard started, or a watcher lost to an error, is picked up here.
  const timer = setInterval(() => {
    const before = watchers.size;
    scan();
    if (watchers.size !== before) onChange();
  }, pollMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}

function pollStore(store: Store, onChange: () => void, pollMs: number): () => void {
  let previous: string | undefined;
  let busy = false;
  const check = () => {
    if (busy) return;
    busy = true;
    fingerprint(store)
      .then((current) => {
        if (previous !== undefined && current !== previous) onChange();
        previous = current;
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  };
  check();
  const timer = setInterval(check, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}

async function fingerprint(store: Store): Promise<string> {
  const [recent, running, dlq, breakers] = await Promise.all([
    store.listRuns({ limit: 100 }),
    store.listRuns({ status: "running", limit: 20 }),
    store.dlq.list(),
    store.breakers.list(),
  ]);
  const records = await Promise.all(running.map(async (r) => (await store.loadRun(r.runId)).records.length));
  return JSON.stringify([
    recent.map((r) => [r.runId, r.status, r.updatedAt]),
    records,
    dlq.map((e) => [e.id, e.status, e.lastAt]),
    breakers,
  ]);
}
