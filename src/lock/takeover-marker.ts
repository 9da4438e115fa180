/**
 * The takeover marker: `<locks>/<name>.takeover`, written by a process that reclaims a lock by time from an
 * owner that may still be alive (stalled, or on another host). The next holder then fences the run's journal
 * (see JournalWriter.reopen) so that the old owner, if it wakes up, cannot add records anyone reads. Without the
 * marker (a clean release, or an owner known to be dead) resuming a run costs no copy.
 */
import { fs, path } from "../builtins.js";

function markerPath(lockDir: string, name: string): string {
  return path.join(lockDir, `${name}.takeover`);
}

/**
 * Records that the lock `name` is being taken from an owner that may still run. Written before the owner record
 * is removed, so no later holder can miss it.
 *
 * @example
 * ```ts
 * markTakeover(paths.dir, paths.name);
 * fs.unlinkSync(ownerFile);
 * ```
 */
export function markTakeover(lockDir: string, name: string): void {
  const fd = fs.openSync(markerPath(lockDir, name), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  fs.closeSync(fd);
}

/**
 * True when the lock `name` was last taken from an owner that may still run.
 *
 * @example
 * ```ts
 * const fence = takeoverMarked(layout.locksDir, layout.lockName(workflow, key));
 * ```
 */
export function takeoverMarked(lockDir: string, name: string): boolean {
  try {
    fs.lstatSync(markerPath(lockDir, name));
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the marker once the journal is fenced.
 *
 * @example
 * ```ts
 * clearTakeover(layout.locksDir, layout.lockName(workflow, key));
 * ```
 */
export function clearTakeover(lockDir: string, name: string): void {
  try {
    fs.unlinkSync(markerPath(lockDir, name));
  } catch {
    // already cleared by an earlier holder
  }
}
