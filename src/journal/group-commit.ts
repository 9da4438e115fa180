/**
 * Group commit: journals with lines written but not yet fsynced are flushed together once per turn of the
 * event loop, so concurrent steps (Promise.all, many runs in one process) share fsyncs.
 */

/** What the scheduler needs of a journal writer. */
export interface Flushable {
  /** fdatasyncs now, on this thread. */
  syncNow(): void;
  /** fdatasyncs on the thread pool; new files in one directory share one fsync of it. */
  syncInBackground(directories: Map<string, Promise<void>>): void;
}

/** Files with lines written but not yet fsynced, flushed together once per turn of the event loop. */
const dirty = new Set<Flushable>();
let flushScheduled = false;
/** The last flush had one file: the process writes one journal at a time (a sequential run). */
let lastFlushSingle = false;

/**
 * Flushes `writer` with the others at the end of this turn of the event loop. While the process writes one
 * journal at a time, the flush runs as soon as the current promise callbacks have settled (process.nextTick:
 * steps that complete together in them still share it) instead of a turn of the event loop later.
 */
export function scheduleFlush(writer: Flushable): void {
  dirty.add(writer);
  if (flushScheduled) return;
  flushScheduled = true;
  if (lastFlushSingle) process.nextTick(flushAll);
  else setImmediate(flushAll);
}

function flushAll(): void {
  flushScheduled = false;
  const writers = [...dirty];
  dirty.clear();
  lastFlushSingle = writers.length === 1;
  if (writers.length === 1) {
    writers[0]!.syncNow();
    return;
  }
  // Several files: let the thread pool overlap their fdatasyncs instead of paying each one in turn. New files
  // in the same directory share one fsync of that directory.
  const directories = new Map<string, Promise<void>>();
  for (const writer of writers) writer.syncInBackground(directories);
}


/** Drops a writer from the next flush (it is closing). */
export function unscheduleFlush(writer: Flushable): void {
  dirty.delete(writer);
}
