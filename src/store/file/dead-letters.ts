/**
 * The file store's dead-letter queue: `dlq.jsonl`, append-only operations (put, status, purge) folded on read.
 */
import type { DeadLetterEntry, DeadLetterQueue, NewDeadLetter } from "../store.js";
import { readIndexLines, type IndexWriters } from "./index-file.js";
import { ensureDir, type Layout } from "./layout.js";
import { newUlid } from "../../names.js";

type Op =
  | { op: "put"; entry: DeadLetterEntry }
  | { op: "status"; id: string; status: DeadLetterEntry["status"]; at: number }
  | { op: "purge"; ids: string[] };

/** A dead-letter queue kept in `<dir>/dlq.jsonl`. */
export class FileDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly layout: Layout,
    private readonly writers: IndexWriters,
  ) {}

  private entries(): Map<string, DeadLetterEntry> {
    const byId = new Map<string, DeadLetterEntry>();
    for (const line of readIndexLines(this.layout.dlqFile) as unknown as Op[]) {
      if (line.op === "put") byId.set(line.entry.id, line.entry);
      else if (line.op === "status") {
        const e = byId.get(line.id);
        if (e) byId.set(line.id, { ...e, status: line.status, lastAt: line.at });
      } else if (line.op === "purge") for (const id of line.ids) byId.delete(id);
    }
    return byId;
  }

  private write(op: Op): void {
    ensureDir(this.layout.root, this.layout.root);
    // Always fsynced, whatever the run's durability: an operator acts on what the queue holds.
    this.writers.append(this.layout.dlqFile, op, "fsync");
  }

  async put(entry: NewDeadLetter, at: number): Promise<DeadLetterEntry> {
    const open = [...this.entries().values()].find((e) => e.status === "open" && e.runId === entry.runId && e.stepKey === entry.stepKey);
    const next: DeadLetterEntry = open
      ? { ...open, error: entry.error, attempts: entry.attempts, reruns: open.reruns + 1, lastAt: at }
      : { id: newUlid(at), ...entry, reruns: 0, firstAt: at, lastAt: at, status: "open" };
    this.write({ op: "put", entry: next });
    return next;
  }

  async list(filter: { status?: DeadLetterEntry["status"]; runId?: string; workflow?: string } = {}): Promise<DeadLetterEntry[]> {
    return [...this.entries().values()]
      .filter((e) => (filter.status === undefined || e.status === filter.status) && (filter.runId === undefined || e.runId === filter.runId) && (filter.workflow === undefined || e.workflow === filter.workflow))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  async get(id: string): Promise<DeadLetterEntry | undefined> {
    return this.entries().get(id);
  }

  async setStatus(id: string, status: DeadLetterEntry["status"], at: number): Promise<void> {
    this.write({ op: "status", id, status, at });
  }

  async purge(filter: { runId?: string; includeOpen?: boolean } = {}): Promise<number> {
    const ids = [...this.entries().values()]
      .filter((e) => (filter.includeOpen || e.status !== "open") && (filter.runId === undefined || e.runId === filter.runId))
      .map((e) => e.id);
    if (ids.length > 0) this.write({ op: "purge", ids });
    return ids.length;
  }
}
