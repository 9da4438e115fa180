/**
 * Index files: independent checksummed lines (not chained), appended with the journal writer. They are a
 * cache of what the journals say, so a damaged line is skipped rather than fatal.
 */
import { fs } from "../../builtins.js";
import { unframeLine } from "../../journal/codec.js";
import { JournalWriter, type Durability } from "../../journal/writer.js";
import { readFileNoFollow } from "../../journal/reader.js";

/** Reads the good lines of an index file; a missing file reads as empty. */
export function readIndexLines(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileNoFollow(file).toString("utf8");
  } catch (error) {
    if ((error as { cause?: NodeJS.ErrnoException }).cause?.code === "ENOENT") return [];
    throw error;
  }
  const out: Record<string, unknown>[] = [];
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    if (end === -1) break;
    const result = unframeLine(text.slice(start, end), 0);
    if (result.ok) out.push(result.value);
    start = end + 1;
  }
  return out;
}

/** Index writers can fsync; whether a line is fsynced is decided per line (see {@link IndexWriters.append}). */
const INDEX_OPTIONS = { durability: "fsync" } as const;

/** Open index writers of this process, one per file. */
export class IndexWriters {
  private readonly writers = new Map<string, JournalWriter>();
  /** Opens in progress (runs started together share one). */
  private readonly opening = new Map<string, Promise<void>>();

  /**
   * Appends one line. With durability "fsync" it becomes durable with the next shared flush; with "process"
   * (a line about a run whose own records are not fsynced) it is only written, like that run's records.
   */
  append(file: string, value: object, durability: Durability): void {
    let writer = this.writers.get(file);
    if (writer === undefined || writer.failed) {
      writer = JournalWriter.openIndex(file, INDEX_OPTIONS);
      this.writers.set(file, writer);
    }
    writer.append(JSON.stringify(value));
    if (durability === "fsync") writer.syncSoon();
  }

  /**
   * Opens the writer of `file` on the thread pool when it is not open yet, so that a later {@link append} does
   * not create the file on the main thread.
   */
  prepare(file: string): Promise<void> {
    const open = this.writers.get(file);
    if (open !== undefined && !open.failed) return Promise.resolve();
    let opening = this.opening.get(file);
    if (opening === undefined) {
      opening = JournalWriter.openIndexAsync(file, INDEX_OPTIONS).then(
        (writer) => {
          this.opening.delete(file);
          const current = this.writers.get(file);
          if (current !== undefined && current !== open && !current.failed) writer.close(); // opened meanwhile by append
          else this.writers.set(file, writer);
        },
        (error: unknown) => {
          this.opening.delete(file);
          throw error;
        },
      );
      this.opening.set(file, opening);
    }
    return opening;
  }

  /**
   * Closes the writer of `file` once its lines appended with durability "fsync" are durable (a run's key index,
   * when the run's log closes), so a long-lived process does not keep one open file per key it ever ran. A later
   * append opens it again.
   */
  release(file: string): void {
    const writer = this.writers.get(file);
    if (writer === undefined) return;
    this.writers.delete(file);
    const close = (): void => writer.close();
    let synced: Promise<void>;
    try {
      synced = writer.whenSynced();
    } catch {
      return close(); // failed: nothing more can become durable
    }
    synced.then(close, close);
  }

  closeAll(): void {
    for (const w of this.writers.values()) w.close();
    this.writers.clear();
  }
}

/** True when a file exists (without following a final symlink). */
export function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
