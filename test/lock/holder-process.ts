/**
 * Starts test/fixtures/lock/holder.ts in a child process and follows its JSON-line messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = path.join(repoRoot, "test/fixtures/lock/holder.ts");

/** A message of the holder fixture. */
export interface HolderMessage {
  event: "ready" | "acquired" | "busy" | "released" | "lost";
  pid: number;
  epoch?: number;
  owner?: { pid: number; host: string; since: number; epoch: number } | null;
  /** With `pauseMs`: outcomes of unlink and rename calls on the lock path before the answer. */
  onLockPath?: { unlinked: number; unlinkMissed: number; renamedOnto: number; renameRefused: number };
}

/** Options of {@link startHolder}. */
export interface HolderOptions {
  /** Directory of `<name>.held` files, to which the holder appends "<pid> <epoch>" while it holds `<name>`. */
  heldLogDir?: string;
  /** Pause before every unlink, so that contenders that judged a lock stale act on it together. */
  pauseMs?: number;
}

/** A running holder fixture. */
export interface HolderProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The next message of one of these kinds (messages are kept, so none is missed). */
  next(...events: Array<HolderMessage["event"]>): Promise<HolderMessage>;
  /** Tries to take the lock `name` (answers "acquired" or "busy"). */
  go(name: string): void;
  /** Releases the lock held (answers "released"). */
  release(): void;
  /** Ends stdin: the holder releases what it holds and exits. */
  end(): void;
  /** Resolves with the exit code, or the signal name. */
  readonly exited: Promise<number | string>;
}

/**
 * Starts a holder of locks in `lockDir`.
 *
 * @example
 * ```ts
 * const holder = startHolder(lockDir, "skip");
 * holder.go("job");
 * const { epoch } = await holder.next("acquired");
 * ```
 */
export function startHolder(lockDir: string, onLocked: string, options: HolderOptions = {}): HolderProcess {
  const args = ["--import", "tsx", fixture, lockDir, onLocked, ...(options.heldLogDir === undefined ? [] : [options.heldLogDir])];
  const env = { ...process.env, LOCK_RACE_PAUSE_MS: String(options.pauseMs ?? 0) };
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ["pipe", "pipe", "inherit"] });
  // A holder that was killed drops what is written to it.
  child.stdin!.on("error", () => undefined);
  const messages: HolderMessage[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    messages.push(JSON.parse(line) as HolderMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("close", (code, signal) => {
      ended = true;
      for (const wake of waiters.splice(0)) wake();
      resolve(code ?? signal ?? "unknown");
    });
  });
  const next = async (...events: Array<HolderMessage["event"]>): Promise<HolderMessage> => {
    while (true) {
      const index = messages.findIndex((message) => events.includes(message.event));
      if (index >= 0) return messages.splice(index, 1)[0]!;
      if (ended) throw new Error(`holder ${child.pid} exited without a ${events.join(" or ")} message`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return {
    child,
    pid: child.pid!,
    next,
    go: (name) => child.stdin!.write(`go ${name}\n`),
    release: () => child.stdin!.write("release\n"),
    end: () => child.stdin!.end(),
    exited,
  };
}
