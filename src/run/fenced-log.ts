/**
 * A run log that refuses every append once the run's lock is lost: a process that another process has fenced
 * out must not add records, even from steps still in flight.
 */
import { LockLostError } from "../errors.js";
import type { JournalRecord } from "../journal/records.js";
import type { RunLog } from "../store/store.js";

/** Wraps `log` so that appends throw the lock-lost reason once `lost` aborts. */
export function fenceLog(log: RunLog, lost: AbortSignal): RunLog {
  const check = () => {
    if (lost.aborted) throw lost.reason instanceof LockLostError ? lost.reason : new LockLostError(`the run's lock was lost: ${String(lost.reason)}`);
  };
  return {
    runId: log.runId,
    append(record: JournalRecord) {
      check();
      log.append(record);
    },
    appendDurable(record: JournalRecord, body?: string) {
      check();
      return log.appendDurable(record, body);
    },
    flush: () => log.flush(),
    close: () => log.close(),
  };
}
