/**
 * File operations of the journal: opening for append without following links (on this thread or the thread
 * pool), fsyncing directories, and copying a journal's good prefix into a new file.
 */
import { fs } from "../builtins.js";
import { PersistenceError, messageOf } from "../errors.js";

const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_DIRECTORY } = fs.constants;

/** fsyncs a directory on the libuv thread pool. */
export function fsyncDirectoryInBackground(dir: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    fs.open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, (openError, fd) => {
      if (openError) return reject(openError);
      fs.fsync(fd, (syncError) => {
        fs.close(fd, () => (syncError ? reject(syncError) : resolve()));
      });
    });
  });
}

/** Opens a path for appending, refusing symlinks, with mode 0600 for new files. */
export function openAppend(file: string, create: boolean): number {
  const flags = O_WRONLY | O_APPEND | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0);
  try {
    return fs.openSync(file, flags, 0o600);
  } catch (error) {
    throw openError(file, error);
  }
}

/** {@link openAppend} on the libuv thread pool (creating a file may wait on the file system's journal). */
export function openAppendAsync(file: string, create: boolean): Promise<number> {
  const flags = O_WRONLY | O_APPEND | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0);
  return new Promise((resolve, reject) => fs.open(file, flags, 0o600, (error, fd) => (error ? reject(openError(file, error)) : resolve(fd))));
}

/** The PersistenceError for a failed open, naming a symlink when that is the reason. */
export function openError(file: string, error: unknown): PersistenceError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ELOOP") return new PersistenceError(`${file} is a symbolic link; steplog refuses to follow links in its state directory`, { cause: error });
  return new PersistenceError(`cannot open ${file}: ${messageOf(error)}`, { cause: error });
}

/** fsyncs a directory so that a file created in it survives power loss. */
export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Copies the first `length` bytes of `source` to the end of `target`; fails if `source` is shorter. */
export function copyPrefix(source: number, target: number, length: number): void {
  const chunk = Buffer.allocUnsafe(Math.min(length, 1 << 20));
  let offset = 0;
  while (offset < length) {
    const n = fs.readSync(source, chunk, 0, Math.min(chunk.length, length - offset), offset);
    if (n === 0) throw new Error(`the file ended at byte ${offset} of the ${length} read before; it changed meanwhile`);
    let written = 0;
    while (written < n) {
      const w = fs.writeSync(target, chunk, written, n - written);
      if (w === 0) throw Object.assign(new Error("no space left on device (write made no progress)"), { code: "ENOSPC" });
      written += w;
    }
    offset += n;
  }
}

