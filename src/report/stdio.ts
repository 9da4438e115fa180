/**
 * What a script prints, written with write(2) on file descriptors 1 and 2 rather than through `process.stdout`
 * and `process.stderr`.
 *
 * Hazard (start-up cost): the first use of `process.stderr` (even reading `isTTY`) creates the stream, which for
 * a pipe loads Node's net and stream modules: about 5 ms of a script's start on a small machine, paid before a
 * resumed run's first step. Deciding whether stderr is a terminal loads `node:tty` (and net) too, so a pipe or a
 * file is recognised by `fstat` first.
 *
 * Hazard (order): a descriptor set non-blocking by another process sharing it can refuse a write (EAGAIN). The
 * rest of that text, and everything after it, then goes through the stream, which queues it in order. A closed
 * reader (EPIPE) loses the line but never stops the run.
 */
import { fs } from "../builtins.js";

const STDOUT = 1;
const STDERR = 2;

/** Descriptors whose writes go through the stream from now on (they refused a write once). */
const buffered = new Set<number>();

function streamOf(fd: number): NodeJS.WriteStream {
  return fd === STDOUT ? process.stdout : process.stderr;
}

function writeFd(fd: number, text: string): void {
  if (buffered.has(fd)) {
    streamOf(fd).write(text);
    return;
  }
  let rest = Buffer.from(text);
  try {
    while (rest.length > 0) rest = rest.subarray(fs.writeSync(fd, rest));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return; // EPIPE, EBADF: nobody reads it
    buffered.add(fd);
    streamOf(fd).write(rest);
  }
}

/**
 * Writes `text` to stderr now (synchronously, so nothing is lost when the process exits).
 *
 * @example
 * ```ts
 * writeStderr(`[steplog] run ${runId} is waiting for event 'approval'\n`);
 * ```
 */
export function writeStderr(text: string): void {
  writeFd(STDERR, text);
}

/**
 * Writes `text` to stdout now (synchronously, so nothing is lost when the process exits).
 *
 * @example
 * ```ts
 * writeStdout(JSON.stringify(result, null, 2) + "\n");
 * ```
 */
export function writeStdout(text: string): void {
  writeFd(STDOUT, text);
}

/**
 * Whether stderr is a terminal. A pipe, a socket or a file is not, and is told without creating `process.stderr`.
 *
 * @example
 * ```ts
 * const style = stderrIsTerminal() ? "pretty" : "plain";
 * ```
 */
export function stderrIsTerminal(): boolean {
  return (stderrTerminal ??= isTerminal());
}

/** Decided once: `main()` asks when it picks the log style, and again when it creates the reporter. */
let stderrTerminal: boolean | undefined;

function isTerminal(): boolean {
  let stat: { isCharacterDevice(): boolean };
  try {
    stat = fs.fstatSync(STDERR);
  } catch {
    return false;
  }
  // A character device may be a terminal or /dev/null: only then ask the stream.
  return stat.isCharacterDevice() && process.stderr.isTTY === true;
}
