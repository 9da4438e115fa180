/**
 * LISTEN/NOTIFY for one store: one dedicated connection, opened while someone watches a run's inbox or a
 * worker waits for work, closed a second after the last one stops. While that connection is down (or being
 * re-established) every watcher is called every `pollIntervalMs` instead, and once it is up again every
 * watcher is called once, so nothing delivered meanwhile is missed.
 */
import pg from "pg";
import type { Db } from "./db.js";

const IDLE_CLOSE_MS = 1_000;
const MAX_RECONNECT_MS = 30_000;

/** The channels of a schema. */
export interface Channels {
  inbox: string;
  wake: string;
}

/** The channel names of a schema (`steplog.<schema>.inbox`, `steplog.<schema>.wake`). */
export function channelsOf(schema: string): Channels {
  return { inbox: `steplog.${schema}.inbox`, wake: `steplog.${schema}.wake` };
}

/** Calls watchers of runs and workers when a notification for them arrives. */
export class Notifier {
  private readonly runWatchers = new Map<string, Set<() => void>>();
  private readonly wakeWatchers = new Set<() => void>();
  private client: pg.Client | undefined;
  private state: "down" | "connecting" | "up" = "down";
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private reconnectMs: number;
  private closed = false;

  constructor(
    private readonly db: Db,
    readonly channels: Channels,
    private readonly pollIntervalMs: number,
  ) {
    this.reconnectMs = pollIntervalMs;
  }

  /** True while LISTEN is active. */
  get listening(): boolean {
    return this.state === "up";
  }

  /** Calls `onChange` when the run's inbox or cancellation changes; returns the function that stops it. */
  watchRun(runId: string, onChange: () => void): () => void {
    let set = this.runWatchers.get(runId);
    if (set === undefined) this.runWatchers.set(runId, (set = new Set()));
    set.add(onChange);
    this.ensure();
    return () => {
      set.delete(onChange);
      if (set.size === 0 && this.runWatchers.get(runId) === set) this.runWatchers.delete(runId);
      this.idleSoon();
    };
  }

  /** Calls `onWake` when runs may have become runnable; returns the function that stops it. */
  watchWake(onWake: () => void): () => void {
    this.wakeWatchers.add(onWake);
    this.ensure();
    return () => {
      this.wakeWatchers.delete(onWake);
      this.idleSoon();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.runWatchers.clear();
    this.wakeWatchers.clear();
    await this.disconnect();
  }

  private get watched(): boolean {
    return this.runWatchers.size > 0 || this.wakeWatchers.size > 0;
  }

  private ensure(): void {
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (this.state === "down" && this.reconnectTimer === undefined && !this.closed) void this.connect();
  }

  private async connect(): Promise<void> {
    this.state = "connecting";
    const client = new pg.Client(this.db.clientConfig());
    this.client = client;
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    client.on("notification", (message) => {
      if (message.channel === this.channels.inbox) this.fireRun(message.payload ?? "");
      else if (message.channel === this.channels.wake) this.fireWake();
    });
    try {
      await client.connect();
      await client.query(`listen "${this.channels.inbox}"; listen "${this.channels.wake}"`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.client !== client || this.closed) return;
    this.state = "up";
    this.reconnectMs = this.pollIntervalMs;
    this.stopPolling();
    this.fireAll();
    if (!this.watched) this.idleSoon();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.state = "down";
    client.end().catch(() => undefined);
    if (this.closed || !this.watched) return;
    this.startPolling();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.watched && this.state === "down") void this.connect();
    }, this.reconnectMs);
    this.reconnectTimer.unref();
    this.reconnectMs = Math.min(MAX_RECONNECT_MS, this.reconnectMs * 2);
  }

  private idleSoon(): void {
    if (this.watched || this.idleTimer !== undefined) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.watched) void this.disconnect();
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  private async disconnect(): Promise<void> {
    this.stopPolling();
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.reconnectTimer = this.idleTimer = undefined;
    const client = this.client;
    this.client = undefined;
    this.state = "down";
    if (client) await client.end().catch(() => undefined);
  }

  private startPolling(): void {
    if (this.pollTimer !== undefined) return;
    this.pollTimer = setInterval(() => (this.watched ? this.fireAll() : this.stopPolling()), this.pollIntervalMs);
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private fireAll(): void {
    for (const runId of [...this.runWatchers.keys()]) this.fireRun(runId);
    this.fireWake();
  }

  private fireRun(runId: string): void {
    for (const watcher of [...(this.runWatchers.get(runId) ?? [])]) safe(watcher);
  }

  private fireWake(): void {
    for (const watcher of [...this.wakeWatchers]) safe(watcher);
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // a watcher must not break the others
  }
}
